import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceVariables } from './support/variables';

const root = join(__dirname, '..');
const defaults = serviceVariables();
const variables = Object.keys(defaults);

describe('.env.example and README document every variable', () => {
  const example = readFileSync(join(root, '.env.example'), 'utf8');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it.each(variables)('%s is in .env.example with its default', (name) => {
    const line = example.split('\n').find((l) => l.startsWith(`${name}=`));
    expect(line).toBeDefined();
    const value = line!.slice(name.length + 1);
    const fallback = defaults[name];
    if (typeof fallback === 'number') expect(Number(value)).toBe(fallback);
    else if (fallback !== undefined) expect(value).toBe(String(fallback as string | boolean));
  });

  it.each(variables.filter((n) => n !== 'NODE_ENV'))('%s is in the README configuration table', (name) => {
    expect(readme).toContain(`\`${name}\``);
  });

  it('lists nothing the service does not read', () => {
    const listed = example
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => l.split('=')[0]);
    expect(listed.filter((n) => !variables.includes(n))).toEqual([]);
  });
});
