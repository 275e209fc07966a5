// The piscina worker for bench/pool.js: the same trivial task.
'use strict';
module.exports = (x) => x * 2;
