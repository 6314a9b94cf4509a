// Run by test/production-graph.e2e-spec.ts as `node app-graph-probe.js`, with the service's
// environment: builds the application from dist/ exactly as dist/main.js does (createApp, then
// init), and prints on one JSON line what that built: the class of every module, provider and
// controller in the Nest container, the files under dist/dev/ Node has loaded, the packages it
// has loaded from node_modules, and the TCP servers listening in the process (init() opens no
// listener of the service's own).
const { join, sep } = require('node:path');
const net = require('node:net');

const dist = join(__dirname, '..', '..', 'dist');
const { ModulesContainer } = require(require.resolve('@nestjs/core', { paths: [dist] }));
const { createApp } = require(join(dist, 'bootstrap.js'));

async function main() {
  const app = await createApp();
  await app.init();
  const classes = new Set();
  for (const module of app.get(ModulesContainer).values()) {
    classes.add(module.metatype?.name);
    for (const wrapper of [...module.providers.values(), ...module.controllers.values()]) {
      const type = wrapper.metatype ?? wrapper.instance?.constructor;
      if (typeof type === 'function' && type.name) classes.add(type.name);
    }
  }
  const devFiles = Object.keys(require.cache)
    .filter((file) => file.startsWith(join(dist, 'dev') + sep))
    .map((file) => file.slice(dist.length + 1));
  const packages = new Set(
    Object.keys(require.cache)
      .map((file) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)?.[1])
      .filter(Boolean),
  );
  const listening = process
    ._getActiveHandles()
    .filter((handle) => handle instanceof net.Server && handle.listening)
    .map((server) => server.address().port);
  process.stdout.write(
    `${JSON.stringify({ classes: [...classes].filter(Boolean), devFiles, packages: [...packages], listening })}\n`,
  );
  await app.close();
}

main().catch((error) => {
  process.stderr.write(`probe failed: ${error.stack}\n`);
  process.exit(1);
});
