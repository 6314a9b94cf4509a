// Removes the given build folders (a stale file must never reach the package or the tests).
const { rmSync } = require('node:fs');
const { join } = require('node:path');

for (const dir of process.argv.slice(2)) rmSync(join(__dirname, '..', dir), { recursive: true, force: true });
