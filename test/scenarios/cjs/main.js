const lib = require('posix-multiprocessing');
const futures = require('posix-multiprocessing/futures');
const { square, Reporter } = require('./work.js');
const { runScenario } = require('../driver.cjs');

function cube(x) {
  return x * x * x;
}
function fill(q, n) {
  for (let i = 0; i < n; i++) q.putSync(i);
}
async function setKey(d) {
  await d.set('from', 'child');
}
module.exports = { cube, fill, setKey };

if (lib.isMainProcess()) runScenario(lib, { square, Reporter, cube, fill, setKey }, futures);
