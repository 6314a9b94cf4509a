import { InternalAxiosRequestConfig } from 'axios';

/**
 * Bookkeeping one delivery carries through the interceptors (and the 401 retry). A class, not a
 * plain object: axios deep-copies plain objects in its config, and the caller must see the counts.
 */
export class RequestTrace {
  /** CRM requests actually sent, token requests not included. */
  sent = 0;
  /** The token the last request carried, to drop exactly that one on a 401. */
  token?: string;
  retriedAfter401 = false;

  constructor(readonly objectType: string) {}
}

declare module 'axios' {
  interface AxiosRequestConfig {
    trace?: RequestTrace;
  }
}

export type TracedConfig = InternalAxiosRequestConfig & { trace: RequestTrace };

/** 408, 5xx: the CRM is in trouble (network errors and timeouts count too). */
export const isBreakerFailureStatus = (status: number) => status === 408 || status >= 500;
