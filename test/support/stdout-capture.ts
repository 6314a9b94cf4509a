/** What the app wrote to stdout (pino writes its log lines there) since captureStdout(). */
export interface StdoutCapture {
  /** Every chunk written, in order (pino writes one line per chunk). */
  readonly chunks: string[];
  /** The chunks that are JSON objects (LOG_FORMAT=json), parsed. */
  jsonLines(): Record<string, unknown>[];
  restore(): void;
}

/**
 * Captures process.stdout until `restore()`. Call it before the app is built: pino writes through
 * process.stdout.write only when that was replaced before the logger was made (else through its
 * own fd writer, which no spy sees).
 */
export function captureStdout(): StdoutCapture {
  const chunks: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  return {
    chunks,
    jsonLines: () =>
      chunks
        .flatMap((chunk) => chunk.split('\n'))
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => spy.mockRestore(),
  };
}
