// A pre-fork style echo server: the main process accepts, and hands each
// connection (a net.Socket, passed as a file descriptor) to a pool of 4
// workers; 6 clients connect, so two wait for a free worker.
// Run: node examples/pool_echo_server.js
'use strict';
const net = require('node:net');
const { Pool, isMainProcess } = require('posix-multiprocessing');

// Runs in a worker: echo lines until the client ends the connection.
function serve(socket) {
  return new Promise((resolve) => {
    socket.on('data', (data) => socket.write(`echo from ${process.pid}: ${data}`));
    socket.on('end', () => socket.end());
    socket.on('close', () => resolve(process.pid));
  });
}

module.exports = { serve };

function client(port, n) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`hello ${n}\n`));
    socket.once('data', (reply) => {
      socket.end();
      resolve(reply.toString().trim());
    });
    socket.on('error', reject);
  });
}

async function main() {
  const pool = new Pool(4);
  // pauseOnConnect: the main process must not read what the worker should get.
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    pool.applyAsync(serve, [socket]);
    socket.destroy(); // the worker has its own copy of the connection
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const replies = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => client(port, n)));
  for (const reply of replies) console.log(reply);
  server.close();
  pool.close();
  await pool.join();
  console.log(`${replies.length} clients served`);
}

if (isMainProcess()) main();
