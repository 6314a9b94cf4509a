import { Logger } from '@nestjs/common';
import pino from 'pino';
import { Writable } from 'node:stream';
import { AppLogger } from './app-logger';

/** An AppLogger over a real pino logger writing synchronously into `lines`. */
function capture(): { logger: AppLogger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: new AppLogger(pino({ level: 'trace' }, sink)), lines };
}

describe('AppLogger', () => {
  it("writes Nest's context as a field and the message as msg, at the matching pino level", () => {
    const { logger, lines } = capture();
    logger.log('started', 'Main');
    logger.warn('careful', 'Worker');
    logger.verbose('detail', 'Worker');
    expect(lines).toEqual([
      expect.objectContaining({ level: 30, context: 'Main', msg: 'started' }),
      expect.objectContaining({ level: 40, context: 'Worker', msg: 'careful' }),
      expect.objectContaining({ level: 10, context: 'Worker', msg: 'detail' }),
    ]);
  });

  it('puts an Error under err and merges an object message into the line', () => {
    const { logger, lines } = capture();
    logger.error(new Error('boom'), 'Store');
    logger.log({ eventId: 'e-1', count: 2 }, 'Delivery');
    expect(lines[0]).toMatchObject({ level: 50, context: 'Store', err: { message: 'boom', type: 'Error' } });
    expect(lines[1]).toMatchObject({ level: 30, context: 'Delivery', eventId: 'e-1', count: 2 });
  });

  it("keeps the stack of Nest's own error(message, stack, context) calls", () => {
    const { logger, lines } = capture();
    const stack = 'Error: broken\n    at somewhere (file.js:1:1)';
    logger.error('broken', stack, 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({ level: 50, context: 'ExceptionsHandler', err: { message: 'broken', stack } });
  });

  it('is what `new Logger(context)` writes through once Nest uses it', () => {
    const { logger, lines } = capture();
    Logger.overrideLogger(logger);
    try {
      new Logger('Mapping').log('intents mapped');
    } finally {
      Logger.overrideLogger(false);
    }
    expect(lines).toEqual([expect.objectContaining({ context: 'Mapping', msg: 'intents mapped' })]);
  });
});
