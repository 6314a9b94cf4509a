import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './service-process';
import { waitFor } from './wait-for';

/**
 * HubSpot's published OpenAPI specs (github.com/HubSpot/HubSpot-public-api-spec-collection), read
 * from a local clone (a bare git directory) and never kept in this repository: HUBSPOT_SPEC_REPO,
 * or where the workplace fetched it.
 */
export const HUBSPOT_SPEC_REPO =
  process.env.HUBSPOT_SPEC_REPO ?? '/work/.mirror/HubSpot+HubSpot-public-api-spec-collection/repo';

/** Writes the spec at `path` of the clone's HEAD into `dir`; returns the file. */
export function hubspotSpec(dir: string, path: string): string {
  const file = join(dir, path.replace(/\W+/g, '_'));
  writeFileSync(file, execFileSync('git', [`--git-dir=${HUBSPOT_SPEC_REPO}`, 'show', `HEAD:${path}`]));
  return file;
}

export const hubspotSpecsPresent = () => existsSync(HUBSPOT_SPEC_REPO);

/** A request Prism validated: its status and the request violations it reported (sl-violations). */
export interface ValidatedRequest {
  method: string;
  url: string;
  body: string;
  status: number;
  violations: Array<{ location: string[]; message: string }>;
}

/** A Prism mock of one spec (dynamic answers from its schemas), on a free loopback port. */
class PrismMock {
  private process?: ChildProcess;
  url = '';

  constructor(private readonly specFile: string) {}

  async start(): Promise<void> {
    const port = await freePort();
    const cli = require.resolve('@stoplight/prism-cli/dist/index.js');
    let output = '';
    this.process = spawn(process.execPath, [cli, 'mock', '-d', '-h', '127.0.0.1', '-p', String(port), this.specFile]);
    this.process.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    this.process.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('Prism is listening'), {
      timeoutMs: 60_000,
      what: `prism mock of ${this.specFile} listening`,
    });
    this.url = `http://127.0.0.1:${port}`;
  }

  stop(): void {
    this.process?.kill();
  }
}

/**
 * Prism mocks of several HubSpot specs behind one base URL: each request goes to the mock whose
 * path prefix it has, and is recorded with the violations Prism found in it.
 */
export class HubspotSpecMocks {
  readonly validated: ValidatedRequest[] = [];
  private readonly mocks: Array<{ prefix: string; mock: PrismMock }>;
  private readonly server: Server = createServer((req, res) => void this.forward(req, res));
  url = '';

  constructor(specs: Record<string, string>) {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-hubspot-spec-'));
    this.mocks = Object.entries(specs).map(([prefix, path]) => ({
      prefix,
      mock: new PrismMock(hubspotSpec(dir, path)),
    }));
  }

  async start(): Promise<void> {
    await Promise.all(this.mocks.map(({ mock }) => mock.start()));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const { mock } of this.mocks) mock.stop();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const target = this.mocks.find(({ prefix }) => (req.url ?? '').startsWith(prefix))?.mock;
    if (!target) {
      res.writeHead(404).end();
      return;
    }
    const answer = await new Promise<{ status: number; headers: IncomingMessage['headers']; text: string }>(
      (resolve, reject) => {
        const out = request(`${target.url}${req.url}`, { method: req.method, headers: req.headers }, (inner) => {
          let text = '';
          inner.on('data', (chunk: Buffer) => (text += chunk.toString()));
          inner.on('end', () => resolve({ status: inner.statusCode ?? 0, headers: inner.headers, text }));
        });
        out.on('error', reject);
        out.end(body);
      },
    );
    const reported = answer.headers['sl-violations'];
    const violations = typeof reported === 'string' ? (JSON.parse(reported) as ValidatedRequest['violations']) : [];
    this.validated.push({ method: req.method ?? '', url: req.url ?? '', body, status: answer.status, violations });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text);
  }
}

/** The violations Prism found in the request itself (not in its own generated answer). */
export const requestViolations = (validated: ValidatedRequest) =>
  validated.violations.filter((v) => v.location[0] === 'request').map((v) => v.message);
