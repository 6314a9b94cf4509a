import { ConfigService } from '@nestjs/config';
import { createApp } from './bootstrap';
import { AllConfig } from './config/all-config';

async function main(): Promise<void> {
  const app = await createApp();
  const config = app.get(ConfigService<AllConfig, true>);
  const { port, host } = config.get('app', { infer: true });
  await app.listen(port, host);
}

main().catch((error: Error) => {
  // Configuration and mapping errors already name every problem; print them plainly.
  process.stderr.write(`Startup failed: ${error.message}\n`);
  process.exit(1);
});
