import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Files of a certificate and its key. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface TestPki {
  /** The CA's certificate: what REDIS_TLS_CA_FILE names. */
  ca: string;
  caKey: string;
  /** Issues a certificate signed by this CA, with these subjectAltName entries (e.g. IP:127.0.0.1). */
  issue(name: string, altNames: string[], usage: 'serverAuth' | 'clientAuth'): Promise<CertificateFiles>;
}

/** P-256 keys: quick to make, and what managed Redis offerings commonly serve. */
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A certificate authority made with `openssl` in `dir`, valid for a day. */
export async function makeTestPki(dir: string, name = 'ccs-test-ca'): Promise<TestPki> {
  mkdirSync(dir, { recursive: true });
  const ca = join(dir, `${name}.crt`);
  const caKey = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', ...KEY, '-keyout', caKey, '-out', ca, '-days', '1', '-subj', `/CN=${name}`]);
  return {
    ca,
    caKey,
    async issue(leaf, altNames, usage) {
      const files = { cert: join(dir, `${leaf}.crt`), key: join(dir, `${leaf}.key`) };
      const csr = join(dir, `${leaf}.csr`);
      const ext = join(dir, `${leaf}.ext`);
      const san = altNames.length > 0 ? [`subjectAltName=${altNames.join(',')}`] : [];
      writeFileSync(ext, [...san, `extendedKeyUsage=${usage}`, 'basicConstraints=CA:FALSE', ''].join('\n'));
      await run('openssl', ['req', '-new', ...KEY, '-keyout', files.key, '-out', csr, '-subj', `/CN=${leaf}`]);
      await run('openssl', [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        ca,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-out',
        files.cert,
        '-days',
        '1',
        '-extfile',
        ext,
      ]);
      return files;
    },
  };
}
