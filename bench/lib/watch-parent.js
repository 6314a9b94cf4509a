'use strict';
// Preloaded (`node --require`) into every child a benchmark starts: the child exits when the
// benchmark process is gone (even after a kill -9 of it), so no server outlives its benchmark.
const { readFileSync } = require('node:fs');

function parentPid() {
  try {
    // /proc/self/stat: "pid (comm) state ppid ..."; comm may contain spaces, so split after ')'.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return process.ppid;
  }
}

const original = parentPid();
const expected = Number(process.env.BENCH_PARENT_PID) || original;
setInterval(() => {
  let alive = parentPid() === original;
  try {
    process.kill(expected, 0);
  } catch {
    alive = false;
  }
  if (!alive) process.exit(1);
}, 1000).unref();
