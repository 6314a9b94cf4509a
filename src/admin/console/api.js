// The admin API with the token of this tab. The token lives in sessionStorage only: never in a
// URL, a cookie or localStorage, and it is dropped on sign-out or when the service refuses it.
const TOKEN_KEY = 'ccs.adminToken';

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** The service refused the token (401). */
export class Refused extends Error {}

export class ApiError extends Error {
  constructor(status, body) {
    const message = body && body.message;
    super(Array.isArray(message) ? message.join('; ') : String(message || `HTTP ${status}`));
    this.status = status;
  }
}

/** Calls /admin; `query` values that are empty are left out. Resolves with { status, body }. */
export async function api(method, path, query = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const res = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${session.token()}`, Accept: 'application/json' },
    cache: 'no-store',
  });
  if (res.status === 401) throw new Refused('The admin token was refused');
  const body = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return { status: res.status, body };
}
