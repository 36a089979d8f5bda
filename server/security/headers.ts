/**
 * Security headers on every HTTP response. API answers are JSON, so their policy is the strictest
 * there is; the web app's HTML sets its own CSP (server/web-static.ts), which replaces this one.
 * HSTS only when clients reach Rounds over TLS (served directly or by a TLS proxy).
 */
export function securityHeaders(base: Record<string, string>, o: { https: boolean }): Record<string, string> {
  return {
    ...base,
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(self), microphone=(self), display-capture=(self), geolocation=()',
    ...(o.https ? { 'strict-transport-security': 'max-age=63072000; includeSubDomains' } : {}),
  };
}
