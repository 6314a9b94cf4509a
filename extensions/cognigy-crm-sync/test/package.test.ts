import assert from 'assert/strict';
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'fs';
import { describe, it } from 'node:test';
import { tmpdir } from 'os';
import { join } from 'path';
import { removeDir } from './support/processes';

/**
 * The `.tar.gz` that `npm run build` packs is what Cognigy's "Upload Extension" takes: the
 * compiled build/ with package.json's `main`, package.json and its lock file (Cognigy installs the
 * dependencies), README.md and a 64x64 icon.png (the @cognigy/extension-tools README).
 */

const EXTENSION = join(__dirname, '..', '..');
const ARCHIVE = join(EXTENSION, 'cognigy-crm-sync.tar.gz');

describe('the packed extension', () => {
  const entries = () => execFileSync('tar', ['tzf', ARCHIVE], { encoding: 'utf8' }).split('\n').filter(Boolean);

  it('holds build/, package.json, package-lock.json, README.md and icon.png, and nothing else', () => {
    const files = entries().filter((name) => !name.endsWith('/'));
    const top = new Set(files.map((name) => (name.includes('/') ? `${name.split('/')[0]}/` : name)));
    assert.deepEqual([...top].sort(), ['README.md', 'build/', 'icon.png', 'package-lock.json', 'package.json']);
    assert.ok(files.includes('build/module.js'));
    assert.ok(files.includes('build/nodes/send-dialog-completion.js'));
    assert.equal(
      files.some((name) => name.endsWith('.ts') || name.includes('node_modules')),
      false,
    );
  });

  it("package.json's main is in the archive, and the lock file belongs to that package.json", () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccs-extension-package-'));
    try {
      execFileSync('tar', ['xzf', ARCHIVE, '-C', dir]);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, any>;
      const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Record<string, any>;
      assert.equal(manifest.main, 'build/module.js');
      assert.ok(existsSync(join(dir, manifest.main)));
      assert.deepEqual(lock.packages[''].dependencies, manifest.dependencies);
      assert.ok(lock.packages['node_modules/@cognigy/extension-tools'], 'the lock file pins @cognigy/extension-tools');

      // Cognigy installs the dependencies, then loads `main`: here they come from this folder.
      symlinkSync(join(EXTENSION, 'node_modules'), join(dir, 'node_modules'), 'dir');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const extension = (require(join(dir, manifest.main)) as { default: Record<string, any> }).default;
      assert.deepEqual(
        extension.nodes.map((node: { type: string; defaultLabel: string }) => [node.type, node.defaultLabel]),
        [['sendDialogCompletion', 'Send dialog completion']],
      );
      assert.deepEqual(
        extension.connections.map((c: { type: string; fields: Array<{ fieldName: string }> }) => [
          c.type,
          c.fields.map((f) => f.fieldName),
        ]),
        [
          ['cognigy-crm-sync-hmac', ['serviceUrl', 'secret']],
          ['cognigy-crm-sync-basic', ['serviceUrl', 'username', 'password']],
          ['cognigy-crm-sync-apikey', ['serviceUrl', 'apiKey']],
        ],
      );
    } finally {
      removeDir(dir);
    }
  });

  it('icon.png is a 64x64 PNG', () => {
    const png = execFileSync('tar', ['xzfO', ARCHIVE, 'icon.png']);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.subarray(12, 16).toString('ascii'), 'IHDR');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [64, 64]);
  });
});
