/** How the one exception filter answers an error code. */
export interface ErrorAnswer {
  status: number;
  /** What the answer tells the client (the OpenAPI document's description of it). */
  description: string;
  /** The body's `error` field (the reason phrase); without it the body is `statusCode` and `message` only. */
  error?: string;
  /** Sent as a Retry-After header. */
  retryAfterSeconds?: number;
  /** The body's `message` lists every detail (validation-style) instead of the headline. */
  listDetails?: boolean;
}

/**
 * A module's HTTP answers to its own error codes, provided in that module. The exception filter
 * finds every one through DI at startup; a code answered twice stops startup.
 */
export abstract class ErrorAnswers<Code extends string = string> {
  abstract readonly answers: Readonly<Record<Code, ErrorAnswer>>;
}
