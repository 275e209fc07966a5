// Draws docs/benchmarks.svg from the figures the benchmarks saved in
// bench/results/ (npm run bench does it after the runs; `node bench/chart.js`
// redraws it). One group of bars per measured row, one bar per system; a bar's
// length is its speed relative to the fastest system of that row (for
// latencies, the inverse), so longer is always better.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { DIR, FAMILIES } = require('./results');

const OUT = path.join(__dirname, '..', 'docs', 'benchmarks.svg');
const COLOURS = {
  'posix-multiprocessing': '#1f6feb',
  Python: '#f2a33a',
  child_process: '#8b949e',
  worker_threads: '#3fb950',
  piscina: '#a371f7',
};
const WIDTH = 900;
const LABEL = 330;
const BAR = 14;
const GAP = 3;
const GROUP_GAP = 14;
const BAR_SPACE = WIDTH - LABEL - 150;

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function format(value, unit) {
  const abs = Math.abs(value);
  const scaled =
    abs >= 1e9
      ? `${(value / 1e9).toFixed(2)}G`
      : abs >= 1e6
        ? `${(value / 1e6).toFixed(2)}M`
        : abs >= 1e4
          ? `${(value / 1e3).toFixed(1)}K`
          : abs >= 100
            ? value.toFixed(0)
            : abs >= 10
              ? value.toFixed(1)
              : value.toFixed(2);
  return `${scaled} ${unit}`;
}

function familyOf(system) {
  return FAMILIES.find((family) => system.startsWith(family));
}

function readResults() {
  if (!fs.existsSync(DIR)) return [];
  return fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')));
}

function draw(results) {
  const parts = [];
  let y = 48;
  const machines = new Set();
  for (const result of results) {
    machines.add(result.machine);
    const metrics = [...new Set(result.figures.map((f) => f.metric))];
    parts.push(`<text x="8" y="${y}" class="bench">${escape(result.benchmark)}</text>`);
    y += 10;
    for (const metric of metrics) {
      const figures = result.figures.filter((f) => f.metric === metric);
      const speed = (f) => (f.better === 'lower' ? 1 / f.value : f.value);
      const best = Math.max(...figures.map(speed));
      const top = y + 4;
      for (const f of figures) {
        const length = Math.max(2, (speed(f) / best) * BAR_SPACE);
        const colour = COLOURS[familyOf(f.system)];
        parts.push(
          `<rect x="${LABEL}" y="${y + 4}" width="${length.toFixed(1)}" height="${BAR}" fill="${colour}"><title>${escape(`${f.system}: ${format(f.value, f.unit)}`)}</title></rect>`,
        );
        parts.push(
          `<text x="${(LABEL + length + 4).toFixed(1)}" y="${y + 15}" class="value">${escape(`${format(f.value, f.unit)}  ${f.system}`)}</text>`,
        );
        y += BAR + GAP;
      }
      parts.push(
        `<text x="${LABEL - 8}" y="${((top + y) / 2 + 4).toFixed(1)}" class="metric" text-anchor="end">${escape(metric)}</text>`,
      );
      y += GROUP_GAP;
    }
    y += 8;
  }
  const legend = FAMILIES.map(
    (family, i) =>
      `<rect x="${8 + i * 170}" y="10" width="12" height="12" fill="${COLOURS[family]}"/>` +
      `<text x="${24 + i * 170}" y="21" class="value">${family}</text>`,
  ).join('');
  const height = y + 24;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">
<style>.bench{font-size:14px;font-weight:bold}.metric{font-size:12px}.value{font-size:11px;fill:#333}</style>
<rect width="100%" height="100%" fill="#fff"/>
${legend}
<text x="8" y="38" class="value">Longer is better: each bar is relative to the fastest system in its row. Measured on ${escape([...machines].join('; '))}.</text>
${parts.join('\n')}
<text x="8" y="${height - 8}" class="value">Drawn by bench/chart.js from bench/results/*.json.</text>
</svg>
`;
}

const results = readResults();
if (results.length === 0) {
  console.error('no results in bench/results/: run npm run bench first');
  process.exit(1);
}
fs.mkdirSync(path.dirname(OUT), { recursive: true });
fs.writeFileSync(OUT, draw(results));
console.log(`wrote ${path.relative(process.cwd(), OUT)} from ${results.length} benchmarks`);
