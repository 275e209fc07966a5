// How many inputs each fuzz property tries (FUZZ_RUNS=n for a long run), and how
// long a property may take: a long run gets time in proportion, so that it ends
// by finding something or by finishing, never by the suite's default timeout.
'use strict';

const MS_PER_RUN = 30;
const SHORT_RUN_MS = 120000;

function fuzzRuns(suiteDefault) {
  return Number(process.env.FUZZ_RUNS) || suiteDefault;
}

function fuzzTimeout(runs) {
  return Math.max(SHORT_RUN_MS, runs * MS_PER_RUN);
}

module.exports = { fuzzRuns, fuzzTimeout };
