/**
 * The headers every page the service serves carries (the console, Swagger UI): its
 * Content-Security-Policy (`sources`, plus never framed, no <base>, no form posts), framing refused
 * for browsers that predate frame-ancestors too, no content sniffing, no referrer.
 */
export function pageSecurityHeaders(sources: string[]): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      ...sources,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}
