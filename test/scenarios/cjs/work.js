const { Process } = require('posix-multiprocessing');

function square(x) {
  return x * x;
}

class Reporter extends Process {
  constructor(q) {
    super();
    this.q = q;
  }
  run() {
    this.q.putSync('reported');
  }
}

module.exports = { square, Reporter };
