// Builds dist/ when it is missing or older than a source file (used by `npm start` and the tests
// that run the built service as a child process).
const { execSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'main.js');

function newest(dir) {
  let latest = 0;
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.name.endsWith('.spec.ts')) continue;
    latest = Math.max(latest, item.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function ensureBuild() {
  if (!existsSync(entry) || statSync(entry).mtimeMs < newest(join(root, 'src'))) {
    execSync('npm run build', { cwd: root, stdio: 'inherit' });
  }
  return entry;
}

module.exports = { ensureBuild, entry };
