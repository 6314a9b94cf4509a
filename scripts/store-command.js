#!/usr/bin/env node
// `npm run backup -- <file>` and the other store commands: builds dist/ when a source changed,
// then runs dist/store-<name>.js with the remaining arguments (the image runs that file directly).
const { join } = require('node:path');
const { ensureBuild } = require('./ensure-build');

const [name, ...args] = process.argv.slice(2);
ensureBuild();
const command = join(__dirname, '..', 'dist', `store-${name}.js`);
process.argv = [process.argv[0], command, ...args];
require(command);
