import { execFile } from 'node:child_process';
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
