'use strict';
/**
 * Summary of a V8 .cpuprofile (written by `node --cpu-prof`): self time grouped by where the code
 * lives (an npm package, a file of the service, a Node internal module, GC, idle), and the hottest
 * functions. Used by `bench/ack.js --profile` to show where the service spends its CPU per request.
 */
const fs = require('node:fs');
const path = require('node:path');

function origin(url) {
  if (!url) return null;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) return url;
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return `service ${url.slice(dist + 1).replace(/^file:\/\//, '')}`;
  return path.basename(url);
}

/**
 * `window` ({from, to} in µs of the monotonic clock, i.e. process.hrtime.bigint() / 1000n, the
 * clock V8 stamps its samples with) keeps only the samples taken then: the measured phase, not
 * the start-up.
 */
function summariseProfile(file, { top = 12, window } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.from || at > window.to)) return;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  const totalUs = [...self.values()].reduce((a, b) => a + b, 0);
  const groups = new Map();
  const functions = new Map();
  for (const [id, us] of self) {
    const { callFrame } = byId.get(id);
    const where = origin(callFrame.url) ?? callFrame.functionName ?? '(native)';
    groups.set(where, (groups.get(where) ?? 0) + us);
    const fn = `${callFrame.functionName || '(anonymous)'} ${where}${callFrame.url ? `:${callFrame.lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const idleUs = groups.get('(idle)') ?? 0;
  const busyUs = totalUs - idleUs;
  const rank = (map) =>
    [...map]
      .filter(([name]) => name !== '(idle)')
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), shareOfBusy: `${((100 * us) / busyUs).toFixed(1)}%` }));
  return { file, wallMs: Math.round(totalUs / 1000), busyMs: Math.round(busyUs / 1000), byOrigin: rank(groups), topFunctions: rank(functions) };
}

module.exports = { summariseProfile };

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/lib/profile.js FILE.cpuprofile\n');
    process.exit(2);
  }
  console.log(JSON.stringify(summariseProfile(file, { top: Number(process.argv[3] ?? 15) }), null, 2));
}
