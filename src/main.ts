import { Logger } from '@nestjs/common';
import { setFlagsFromString } from 'node:v8';
import { ConfigService } from '@nestjs/config';
import { createApp } from './bootstrap';
import { AllConfig } from './config/all-config';

/**
 * V8 lets the old generation grow to several times what survived the last full collection before
 * it collects again. Under webhook load most of what a scavenge promotes dies soon after, so the
 * old space fills with garbage: a growth of 60% holds the peak RSS far lower for a little more CPU
 * per request, where a tighter one makes the ack pay for frequent full collections (the figures:
 * docs/benchmarks.md, "Memory"). V8 reads the flag at every full collection, so setting it at run
 * time takes effect.
 */
function limitHeapGrowth(): void {
  setFlagsFromString('--heap-growing-percent=60');
}

async function main(): Promise<void> {
  limitHeapGrowth();
  const app = await createApp();
  const config = app.get(ConfigService<AllConfig, true>);
  const { port, host } = config.get('app', { infer: true });
  await app.listen(port, host);
  new Logger('Main').log(`Listening on http://${host}:${port}`);

  // app.close() runs the shutdown phases: readiness and webhooks turn 503, the worker drains
  // in-flight CRM calls (up to SHUTDOWN_GRACE_MS) while the listener still answers, then the
  // listener and the stores close. Exit 0: a requested stop is not a failure.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    new Logger('Main').log(`${signal} received: shutting down`);
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        new Logger('Main').error(`Shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  // Configuration and mapping errors already name every problem; print them plainly.
  process.stderr.write(`Startup failed: ${error.message}\n`);
  process.exit(1);
});
