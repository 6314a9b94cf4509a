import { Readable } from 'node:stream';

export interface CappedBody {
  /** The answer's first bytes as UTF-8 text (all of it unless `truncated`). */
  text: string;
  truncated: boolean;
}

/** Raised when the exchange deadline fires while the body is still arriving. */
export class BodyDeadlineError extends Error {
  readonly code = 'ETIMEDOUT';

  constructor() {
    super('answer body not received within the deadline');
  }
}

/**
 * Reads at most `capBytes` of an answer and drops the rest (the connection is closed), so a huge
 * answer costs neither memory nor a failed attempt: its status still decides.
 */
export function readCappedBody(stream: Readable, capBytes: number, signal: AbortSignal): Promise<CappedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (truncated: boolean) => {
      cleanup();
      resolve({ text: Buffer.concat(chunks).toString('utf8'), truncated });
    };
    const fail = (error: Error) => {
      cleanup();
      stream.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      const room = capBytes - size;
      if (chunk.length <= room) {
        chunks.push(chunk);
        size += chunk.length;
        return;
      }
      chunks.push(chunk.subarray(0, room));
      stream.destroy();
      finish(true);
    };
    const onEnd = () => finish(false);
    const onAbort = () => fail(new BodyDeadlineError());
    function cleanup() {
      stream.off('data', onData).off('end', onEnd).off('error', fail);
      signal.removeEventListener('abort', onAbort);
      // A stream destroyed early may still report the broken pipe: nobody waits for it any more.
      stream.on('error', () => undefined);
    }
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort);
    stream.on('data', onData).on('end', onEnd).on('error', fail);
  });
}
