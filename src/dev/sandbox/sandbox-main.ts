import { CrmSandbox } from './crm-sandbox';

/**
 * Standalone sandbox for benchmarks and manual runs: `node dist/dev/sandbox/sandbox-main.js [port]`
 * (default 4010). Prints one JSON line with the URL and this run's random client credentials,
 * which the caller needs to get tokens; they exist only in this process.
 */
async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 4010);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`usage: sandbox-main [port], got port "${process.argv[2]}"\n`);
    process.exit(2);
  }
  const sandbox = new CrmSandbox({ port });
  const url = await sandbox.start();
  const { tokenUrl, clientId, clientSecret } = sandbox;
  process.stdout.write(`${JSON.stringify({ url, tokenUrl, clientId, clientSecret })}\n`);
  const stop = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`CRM sandbox failed to start: ${String(error)}\n`);
  process.exit(1);
});
