import { safeEqual } from './safe-equal';

/** Whether an Authorization header carries `expected` as its bearer token (constant-time). */
export function bearerMatches(authorization: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  return match !== null && safeEqual(match[1].trim(), expected);
}
