#!/usr/bin/env node
// `npm run crm:check`: one harmless read per mapped CRM object (src/crm-check.ts), with delivery
// off so that no queued event is sent while it runs. Reads the same .env as the service.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { ensureBuild } = require('./ensure-build');

if (existsSync('.env')) process.loadEnvFile('.env');
process.env.DELIVERY_ENABLED = 'false';
process.env.LOG_LEVEL = process.env.CRM_CHECK_LOG_LEVEL ?? 'warn';
ensureBuild();
require(join(__dirname, '..', 'dist', 'crm-check.js'));
