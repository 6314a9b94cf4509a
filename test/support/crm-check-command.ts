import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', '..', 'scripts', 'crm-check.js');

export interface CrmCheckRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run crm:check` (scripts/crm-check.js → dist/crm-check.js) as a child process in `dir` (no
 * .env there), with none of this process's CRM, mappings, routing, store or admin variables: only
 * `env`'s, a DATA_DIR under `dir` and a webhook secret.
 */
export async function runCrmCheck(dir: string, env: Record<string, string>): Promise<CrmCheckRun> {
  const own = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(CRM_|MAPPINGS_|ROUTES_|QUEUE_|REDIS_|ADMIN_)/.test(k)),
  );
  try {
    const { stdout, stderr } = await run(process.execPath, [SCRIPT], {
      cwd: dir,
      env: { ...own, DATA_DIR: join(dir, 'data'), COGNIGY_WEBHOOK_SECRETS: 's', ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as CrmCheckRun;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Whatever the command printed, both streams. */
export const printed = (result: Pick<CrmCheckRun, 'stdout' | 'stderr'>) => `${result.stdout}\n${result.stderr}`;

/** One mapping entry naming `object` and `idField`, writing `fields` from entities. */
export const mappingEntry = (intent: string, object: string, idField: string, fields: string[]) => ({
  intent,
  objectType: intent,
  object,
  idField,
  idEntity: 'id',
  fields: Object.fromEntries(fields.map((name) => [name, { entity: name }])),
});

export interface CrmCheckDirectory {
  /** The directory the command runs in; it exists from the tests' beforeAll on. */
  dir: string;
  /** runCrmCheck in `dir`. */
  crmCheck: (env: Record<string, string>) => Promise<CrmCheckRun>;
  /** A mappings file of the test's own, next to the run directory. */
  mappingsFile: (name: string, mappings: unknown[]) => string;
}

/** For the enclosing describe (or file): a run directory of its own, made before its tests and removed after them. */
export function crmCheckDirectory(): CrmCheckDirectory {
  const dir = join(tmpdir(), `ccs-crm-check-${randomUUID()}`);
  beforeAll(() => {
    mkdirSync(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  return {
    dir,
    crmCheck: (env) => runCrmCheck(dir, env),
    mappingsFile: (name, mappings) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify({ mappings }));
      return file;
    },
  };
}
