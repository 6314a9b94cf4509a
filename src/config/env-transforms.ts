/** The conversions every variable goes through before it is validated (Environment's @Transform). */

/** Empty variables count as unset, as most deployment tools cannot "unset" a variable. */
export const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);
export const toInt = ({ value }: { value: unknown }) => {
  const v = blankToUndefined(value);
  return typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
};
export const toFloat = ({ value }: { value: unknown }) => {
  const v = blankToUndefined(value);
  return typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
};
export const toBool = ({ value }: { value: unknown }) => {
  const v = blankToUndefined(value);
  if (typeof v !== 'string') return v;
  const lower = v.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  return v;
};
export const toTrimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? blankToUndefined(value.trim()) : value;
export const toLower = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? blankToUndefined(value.trim().toLowerCase()) : value;

/** Splits a comma-separated variable into its non-empty, trimmed parts. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
