import { startTestApp, TestApp } from './test-app';

/**
 * For the enclosing describe: the real app (startTestApp) with `env`, started before its tests and
 * closed after them. `app()` is the running app, from the describe's own beforeAll on (hooks run in
 * the order they are declared, and this one is declared first).
 */
export function suiteApp(env: Record<string, string>): () => TestApp {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await startTestApp(env);
  });
  afterAll(() => t?.close());
  return () => t!;
}
