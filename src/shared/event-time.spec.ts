import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { normaliseEventTime, parseEventTime } from './event-time';

/**
 * "Zone-less is read as UTC" can only fail on a host whose zone is not UTC, and Jest's sandboxed
 * `process.env` cannot change the zone of the running process. So these readings are also taken
 * in a child process running in UTC+05:45 (and UTC-10:00) and compared with the UTC answers.
 */
describe('in a time zone other than UTC', () => {
  const inputs = [
    '2026-11-26T10:00:00',
    '2026-11-26T10:00',
    '2026-11-26 10:00:00',
    '2026-11-26',
    '2026-11-26T10:00:00Z',
    '2026-11-26T11:00:00+01:00',
  ];

  it.each(['Asia/Kathmandu', 'Pacific/Honolulu'])('%s: the same instants as in UTC', (zone) => {
    const script = `
      const { parseEventTime, normaliseEventTime } = require('./src/shared/event-time');
      const inputs = ${JSON.stringify(inputs)};
      process.stdout.write(JSON.stringify({
        offset: new Date(Date.UTC(2026, 10, 26)).getTimezoneOffset(),
        parsed: inputs.map(parseEventTime),
        normalised: inputs.map(normaliseEventTime),
      }));`;
    const child = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, TZ: zone },
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    const result = JSON.parse(child.stdout);
    expect(result.offset).not.toBe(0); // the child really runs outside UTC
    expect(result.parsed).toEqual(inputs.map(parseEventTime));
    expect(result.normalised).toEqual([
      '2026-11-26T10:00:00.000Z',
      '2026-11-26T10:00:00.000Z',
      '2026-11-26T10:00:00.000Z',
      '2026-11-26T00:00:00.000Z',
      '2026-11-26T10:00:00.000Z',
      '2026-11-26T10:00:00.000Z',
    ]);
  });
});

describe('parseEventTime', () => {
  const TEN_UTC = Date.UTC(2026, 10, 26, 10, 0, 0);

  it.each([
    ['2026-11-26T10:00:00Z', TEN_UTC],
    ['2026-11-26T10:00:00z', TEN_UTC],
    ['2026-11-26t10:00:00Z', TEN_UTC],
    ['2026-11-26T10:00:00.000Z', TEN_UTC],
    ['2026-11-26T10:00:00.5Z', TEN_UTC + 500],
    ['2026-11-26T10:00:00.123456789Z', TEN_UTC + 123],
    ['2026-11-26T11:00:00+01:00', TEN_UTC],
    ['2026-11-26T11:00:00+0100', TEN_UTC],
    ['2026-11-26T05:00:00-05:00', TEN_UTC],
    ['2026-11-26T15:45:00+05:45', TEN_UTC],
  ])('%p with a zone → its instant', (input, expected) => {
    expect(parseEventTime(input)).toBe(expected);
  });

  it.each([
    ['2026-11-26T10:00:00', TEN_UTC],
    ['2026-11-26T10:00', TEN_UTC],
    ['2026-11-26T10:00:00.250', TEN_UTC + 250],
    ['2026-11-26 10:00:00', TEN_UTC],
  ])('%p without a zone is read as UTC, not local time', (input, expected) => {
    expect(parseEventTime(input)).toBe(expected);
  });

  it('reads a date without a time as UTC midnight', () => {
    expect(parseEventTime('2026-11-26')).toBe(Date.UTC(2026, 10, 26));
  });

  it.each([
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29', Date.UTC(2000, 1, 29)],
    ['2026-12-31T23:59:59Z', Date.UTC(2026, 11, 31, 23, 59, 59)],
    ['2026-04-30', Date.UTC(2026, 3, 30)],
  ])('accepts the real calendar date %p', (input, expected) => {
    expect(parseEventTime(input)).toBe(expected);
  });

  it.each([
    'yesterday',
    '',
    '2026-13-01T00:00:00Z',
    '2026-00-10',
    '2026-11-00',
    '2026-11-32',
    '2026-11-26T25:00:00Z',
    '2026-11-26T10:60:00Z',
    // Dates that do not exist: Date.parse alone would roll them into the next month.
    '2026-02-29',
    '2026-02-30T10:00:00Z',
    '2026-04-31',
    '1900-02-29',
    '2026-06-31T10:00:00+02:00',
  ])('%p → NaN', (input) => {
    expect(parseEventTime(input)).toBeNaN();
  });
});

describe('normaliseEventTime', () => {
  it.each([
    ['2026-11-26T10:00:00Z', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26', '2026-11-26T00:00:00.000Z'],
    ['2026-11-26T11:30:00+01:30', '2026-11-26T10:00:00.000Z'],
    ['2026-11-27T01:00:00+15:00', '2026-11-26T10:00:00.000Z'],
    ['2026-11-26T10:00:00.123456Z', '2026-11-26T10:00:00.123Z'],
    ['2026-11-26t10:00:00z', '2026-11-26T10:00:00.000Z'],
  ])('%p → %p (Date.prototype.toISOString)', (input, expected) => {
    expect(normaliseEventTime(input)).toBe(expected);
    expect(normaliseEventTime(input)).toBe(new Date(parseEventTime(input)).toISOString());
  });

  it('is idempotent', () => {
    const once = normaliseEventTime('2026-11-26T11:30:00+01:30');
    expect(normaliseEventTime(once)).toBe(once);
  });

  it('throws on an unparsable time rather than sending "Invalid Date"', () => {
    expect(() => normaliseEventTime('not a time')).toThrow(RangeError);
  });
});
