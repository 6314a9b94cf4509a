import { Logger, LoggerService } from '@nestjs/common';
import { loadEnvironment } from './config/load-environment';
import { QueueConfig, queueSettings } from './config/queue.config';
import { RedisConfig, redisSettings } from './config/redis.config';
import { CONNECTORS } from './crm/connector-registry';

/**
 * A store command (backup, export, import): one file argument, the service's environment (its
 * `.env` too) for the store's settings, one line of outcome on stdout; exit 1 naming the reason,
 * 2 without the argument.
 */
/** A command's own output is its one line on stdout: the store's warnings and errors go to stderr. */
export const commandLogger: LoggerService = {
  log: () => undefined,
  warn: (message: unknown) => process.stderr.write(`${String(message)}\n`),
  error: (message: unknown) => process.stderr.write(`${String(message)}\n`),
};

export function runStoreCommand(
  name: string,
  entry: string,
  action: (config: QueueConfig, file: string, redis: RedisConfig) => Promise<string> | string,
): void {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: npm run ${name} -- <file>   (in the image: node dist/${entry}.js <file>)`);
    process.exitCode = 2;
    return;
  }
  Logger.overrideLogger(commandLogger);
  Promise.resolve()
    .then(() => {
      const env = loadEnvironment(CONNECTORS);
      return action(queueSettings(env), file, redisSettings(env));
    })
    .then(
      (outcome) => console.log(outcome),
      (error: Error) => {
        console.error(`${name} failed: ${error.message}`);
        process.exitCode = 1;
      },
    );
}
