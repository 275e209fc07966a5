// A folder copier: the main process lists the files, the pool copies them.
// Run: node examples/pool_copy_folder.js [source] [destination]
// Without arguments it makes a source folder of 50 files in the temp directory.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Pool, isMainProcess } = require('posix-multiprocessing');

function copyFile(source, destination, name) {
  fs.copyFileSync(path.join(source, name), path.join(destination, name));
  return fs.statSync(path.join(destination, name)).size;
}

module.exports = { copyFile };

async function main() {
  let [source, destination] = process.argv.slice(2);
  if (!source) {
    source = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-copy-src-'));
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(source, `file-${i}.txt`), 'x'.repeat(1000 + i));
  }
  destination ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pool-copy-dst-'));
  fs.mkdirSync(destination, { recursive: true });
  const names = fs.readdirSync(source).filter((name) => fs.statSync(path.join(source, name)).isFile());
  const pool = new Pool(4);
  const sizes = await pool.starmap(
    copyFile,
    names.map((name) => [source, destination, name]),
    {
      onProgress: (done, total) => {
        if (done === total) console.log(`copied ${done}/${total}`);
      },
    },
  );
  pool.close();
  await pool.join();
  console.log(
    `copied ${names.length} files (${sizes.reduce((a, b) => a + b, 0)} bytes) from ${source} to ${destination}`,
  );
}

if (isMainProcess()) main();
