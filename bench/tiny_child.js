// The child of child_process.fork() in bench/fork_latency.js: reports when its first line ran.
process.send(String(process.hrtime.bigint()));
