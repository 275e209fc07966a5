// Where each benchmark leaves its figures, for the chart (bench/chart.js): one
// JSON file per benchmark in bench/results/, written at the end of its run.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIR = path.join(__dirname, 'results');

/** Who a figure belongs to: the colour family in the chart. */
const FAMILIES = ['posix-multiprocessing', 'Python', 'child_process', 'worker_threads', 'piscina'];

/**
 * Saves `figures`: [{ metric, system, value, unit, better: 'higher' | 'lower' }],
 * `system` starting with one of FAMILIES. Figures whose value is null are left out.
 */
function saveResults(benchmark, figures) {
  for (const f of figures) {
    if (!FAMILIES.some((family) => f.system.startsWith(family)))
      throw new Error(`unknown system '${f.system}' in ${benchmark}`);
  }
  fs.mkdirSync(DIR, { recursive: true });
  const measured = {
    benchmark,
    when: new Date().toISOString(),
    machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${process.platform}, Node ${process.versions.node}`,
    figures: figures.filter((f) => f.value != null && Number.isFinite(f.value)),
  };
  fs.writeFileSync(path.join(DIR, `${benchmark}.json`), `${JSON.stringify(measured, null, 1)}\n`);
}

module.exports = { saveResults, FAMILIES, DIR };
