// A traffic light with an Event: the light process turns green (set) and red
// (clear) three times; five cars wait for green before they cross.
// Run: node --single-threaded examples/event_traffic_light.js
'use strict';
const { Event, posix } = require('posix-multiprocessing');

const green = new Event();
const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(pause, 0, 0, ms);

function light() {
  for (let cycle = 1; cycle <= 3; cycle++) {
    console.log('light: red');
    green.clear();
    sleep(100);
    console.log('light: green');
    green.set();
    sleep(100);
  }
  console.log('light: off (green)');
}

function car(n) {
  sleep(n * 40); // cars arrive one after another
  if (!green.isSet()) console.log(`car ${n}: waits at red`);
  green.waitSync();
  console.log(`car ${n}: crosses on green`);
}

const pids = [];
const lightPid = posix.fork();
if (lightPid === 0) {
  light();
  posix.exit(0);
}
pids.push(lightPid);
for (let n = 1; n <= 5; n++) {
  const pid = posix.fork();
  if (pid === 0) {
    car(n);
    posix.exit(0);
  }
  pids.push(pid);
}
for (const pid of pids) posix.waitpid(pid);
console.log('all 5 cars crossed');
