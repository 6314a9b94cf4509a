#!/usr/bin/env node
// `npm start`: builds when needed, then runs the service.
const { ensureBuild } = require('./ensure-build');

require(ensureBuild());
