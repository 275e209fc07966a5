// The README's code examples run as written: each ```js block is written to a
// file (an ES module, main.mjs) and run with node --single-threaded.
//
// The files go in a temporary directory inside the repository, where
// `import ... from 'posix-multiprocessing'` resolves to this package by its
// own name (as the fixtures do). A directory elsewhere with a node_modules
// symlink to the repository does not work under forkserver today: the
// forkserver resolves the package through the symlink, not its real path, and
// loads a second copy of the library.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const root = path.join(__dirname, '..');

/** Every fenced block of the README with its language and the `## ` section it is in. */
function readmeBlocks() {
  const lines = fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n');
  const blocks = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('## ')) section = lines[i].slice(3).trim();
    const open = lines[i].match(/^```(\w*)\s*$/);
    if (!open || !open[1]) continue;
    const end = lines.indexOf('```', i + 1);
    blocks.push({ section, lang: open[1], code: lines.slice(i + 1, end).join('\n') + '\n', line: i + 1 });
    i = end;
  }
  return blocks;
}

function jsBlock(section) {
  const block = readmeBlocks().find((b) => b.section === section && b.lang === 'js');
  assert.ok(block, `no js example under "## ${section}" in README.md`);
  return block;
}

const portable = process.env.PMP_BACKEND === 'portable';
// Sections whose example uses what only posix has: posix.fork(), and SharedMemory's .buf
// (README, "What differs under portable").
const POSIX_ONLY_SECTIONS = ['The `posix` layer', 'Message passing and shared memory'];

describe('README examples', function () {
  this.timeout(60000);
  let dir;

  before(() => {
    dir = fs.mkdtempSync(path.join(root, 'test', '.readme-'));
  });

  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function run(block, name) {
    const file = path.join(dir, `${name}.mjs`);
    fs.writeFileSync(file, block.code);
    const result = await runNode([file], { timeout: 45000, cwd: dir });
    assert.equal(
      result.code,
      0,
      `README.md line ${block.line} (${block.section}) exited ${result.code} ${result.signal ?? ''}: ${result.stderr}`,
    );
    return result.stdout;
  }

  it('the first Processes example prints "hello Ada" twice', async () => {
    const out = await run(jsBlock('Processes'), 'processes');
    assert.deepEqual(out.trim().split('\n'), ['hello Ada', 'hello Ada']);
  });

  it('the Pool example prints its map, imapUnordered and callback results', async () => {
    const out = await run(jsBlock('Pool'), 'pool');
    const lines = out.trim().split('\n');
    assert.equal(lines[0], '[ 1, 4, 9 ]');
    assert.deepEqual(lines.slice(1, 3).sort(), ['16', '25']);
    assert.equal(lines[3], '36');
    assert.equal(lines.length, 4);
  });

  it('every other js example of the README runs and exits 0', async () => {
    const blocks = readmeBlocks().filter((b) => b.lang === 'js');
    assert.ok(blocks.length >= 7, `only ${blocks.length} js examples found`);
    const tested = [jsBlock('Processes').line, jsBlock('Pool').line];
    const outputs = {};
    for (const [i, block] of blocks.entries()) {
      if (tested.includes(block.line)) continue;
      if (portable && POSIX_ONLY_SECTIONS.includes(block.section)) continue;
      outputs[block.line] = await run(block, `example-${i}`);
    }
    const all = Object.values(outputs).join('');
    assert.match(all, /\{ hello: 'world' \}/); // Listener and Client
    assert.match(all, /Map\(2\) \{ 1 => '1', '2' => 2 \} \[ 2, 1, 0 \]/); // Manager
    if (portable) return;
    assert.match(all, /child \d+ of \d+/); // posix.fork
    assert.match(all, /true 1\n/); // shared memory
  });
});
