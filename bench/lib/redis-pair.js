'use strict';
/**
 * A Redis master and one replica on free loopback ports, each a redis-server of its own (Debian's
 * redis-server on PATH) with an append-only file fsync'd every second, in a temporary directory:
 * what REDIS_MIN_REPLICAS_ACK needs to have something to wait for. Stopped (and the directory
 * removed) by stop(); killChildren() in common.js covers a benchmark that dies.
 */
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { freePort, makeTempDir, sleep, track } = require('./common');

/** The first line a node answers to `command` (e.g. INFO replication's whole reply is not needed). */
function ask(port, command) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(2000, () => socket.destroy(new Error(`${command} timed out`)));
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      // A bulk reply ($<n>\r\n<n bytes>\r\n) or a one-line one.
      const bulk = /^\$(\d+)\r\n/.exec(answer);
      if (bulk ? answer.length >= bulk[0].length + Number(bulk[1]) + 2 : answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.once('error', reject);
  });
}

async function startNode(dir, name, extra) {
  const port = await freePort();
  const nodeDir = path.join(dir, name);
  fs.mkdirSync(nodeDir);
  const conf = path.join(nodeDir, 'redis.conf');
  const settings = ['bind 127.0.0.1', `port ${port}`, `dir ${nodeDir}`, `logfile ${path.join(nodeDir, 'log')}`];
  settings.push('appendonly yes', 'appendfsync everysec', 'save ""', 'repl-diskless-sync-delay 0', ...extra);
  fs.writeFileSync(conf, `${settings.join('\n')}\n`);
  const child = track(spawn('redis-server', [conf], { stdio: 'ignore' }));
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server ${name} exited; see ${nodeDir}/log`);
    if ((await ask(port, 'PING').catch(() => '')).startsWith('+PONG')) return { port, child };
    await sleep(50);
  }
  throw new Error(`redis-server ${name} on port ${port} did not answer`);
}

async function startRedisPair() {
  const dir = makeTempDir('redis-pair');
  const master = await startNode(dir, 'master', []);
  const replica = await startNode(dir, 'replica', [`replicaof 127.0.0.1 ${master.port}`]);
  for (let i = 0; ; i++) {
    const info = await ask(master.port, 'INFO replication');
    if (/slave0:.*state=online/.test(info)) break;
    if (i > 400) throw new Error('the replica did not come online within 20 s');
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${master.port}`,
    masterPid: master.child.pid,
    replicaPid: replica.child.pid,
    async stop() {
      for (const { child } of [replica, master]) {
        if (child.exitCode === null) {
          child.kill('SIGKILL');
          await new Promise((resolve) => child.once('exit', resolve));
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

module.exports = { startRedisPair };
