import { NextFunction, Request, Response } from 'express';
import { UpsertBody } from './sandbox-state';

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before being put in the Basic header. */
export function basicCredentials(header: string | undefined): { id: unknown; secret: unknown } | undefined {
  const encoded = /^Basic +(\S+)$/i.exec(header ?? '')?.[1];
  if (encoded === undefined) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { id: undefined, secret: undefined };
  const formDecode = (value: string) => new URLSearchParams(`v=${value}`).get('v');
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/** JSON when it parses, else the raw text (still worth showing in the request log). */
export function parseBody(text: unknown): unknown {
  if (typeof text !== 'string' || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isUpsertBody(body: unknown): body is UpsertBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return false;
  const id = (body as Record<string, unknown>).external_id;
  return typeof id === 'string' && id !== '';
}

/** Body-parser errors (malformed JSON, too large) carry their status; anything else is ours. */
export function answerError(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  const status = (error as { status?: number }).status ?? 500;
  const message = String((error as Error).message);
  res.status(status).json({ error: status === 500 ? 'internal_error' : 'bad_request', message });
}
