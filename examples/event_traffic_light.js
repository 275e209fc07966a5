// A traffic light with an Event: the light process turns green (set) and red
// (clear) three times; five car processes wait for green before they cross.
// Run: node examples/event_traffic_light.js
'use strict';
const { Process, Event, isMainProcess } = require('posix-multiprocessing');

const pause = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms) => Atomics.wait(pause, 0, 0, ms);

function light(green) {
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

async function car(green, n) {
  await new Promise((resolve) => setTimeout(resolve, n * 40)); // cars arrive one after another
  if (!green.isSet()) console.log(`car ${n}: waits at red`);
  await green.wait();
  console.log(`car ${n}: crosses on green`);
}

module.exports = { light, car };

if (isMainProcess()) {
  const green = new Event();
  const processes = [new Process({ target: light, args: [green] })];
  for (let n = 1; n <= 5; n++) processes.push(new Process({ target: car, args: [green, n] }));
  for (const p of processes) p.start();
  Promise.all(processes.map((p) => p.join())).then(() => console.log('all 5 cars crossed'));
}
