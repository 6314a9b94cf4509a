// Builds dist/ when it is missing or older than its sources (used by `npm start` and the tests that
// run the built service as a child process).
//
// `npm run build` records when it began (prebuild: `begin`) and, once it succeeded, stamps dist/
// with that time (postbuild: `end`). Output times cannot be used: an incremental build rewrites
// only what changed, so dist/main.js keeps its old time and every later start would rebuild.
const { execSync } = require('node:child_process');
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'main.js');
/** What a build reads besides node_modules: a change to any of them needs a new build. */
const SOURCES = ['src', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'];

const stampFile = (dir) => join(dir, 'dist', '.build-stamp');
const beganFile = (dir) => join(dir, 'dist', '.build-began');

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return path.endsWith('.spec.ts') ? 0 : stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0);
}

/** True when `dir`'s dist/ is missing or a source changed after the last successful build began. */
function needsBuild(dir = root) {
  if (!existsSync(join(dir, 'dist', 'main.js')) || !existsSync(stampFile(dir))) return true;
  const builtFrom = Number(readFileSync(stampFile(dir), 'utf8'));
  return !(builtFrom > 0) || SOURCES.some((source) => newest(join(dir, source)) > builtFrom);
}

function beginBuild(dir = root) {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(beganFile(dir), String(Date.now()));
}

/** A failed build never reaches this (npm skips postbuild), so its stamp stays stale. */
function endBuild(dir = root) {
  renameSync(beganFile(dir), stampFile(dir));
}

function ensureBuild() {
  if (needsBuild()) execSync('npm run build', { cwd: root, stdio: 'inherit' });
  return entry;
}

module.exports = { ensureBuild, needsBuild, beginBuild, endBuild, entry };

if (require.main === module) {
  const command = { begin: beginBuild, end: endBuild }[process.argv[2]];
  if (!command) throw new Error('usage: node scripts/ensure-build.js begin|end');
  command();
}
