/**
 * The error vocabulary. Every error that can reach a client has a stable code; clients switch on
 * `code`, never on `message`, and raw exception text never leaves the server.
 */
export type ErrorCode =
  | 'ERR_CONFIG_INVALID'
  | 'ERR_NATIVE_UWS_MISSING'
  | 'ERR_TOKEN_MISSING'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_EXPIRED'
  | 'ERR_TOKEN_WRONG_DOCUMENT'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_BAD_REQUEST'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_MALFORMED_MESSAGE'
  | 'ERR_UNKNOWN_MESSAGE_TYPE'
  | 'ERR_INVALID_UPDATE'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_AUDIT_UNAVAILABLE'
  | 'ERR_DOCUMENT_CLOSED'
  | 'ERR_INTERNAL';

/** HTTP status that goes with each code when it is answered over HTTP. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  ERR_CONFIG_INVALID: 500,
  ERR_NATIVE_UWS_MISSING: 500,
  ERR_TOKEN_MISSING: 401,
  ERR_TOKEN_INVALID: 401,
  ERR_TOKEN_EXPIRED: 401,
  ERR_TOKEN_WRONG_DOCUMENT: 403,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_BAD_REQUEST: 400,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_MALFORMED_MESSAGE: 400,
  ERR_UNKNOWN_MESSAGE_TYPE: 400,
  ERR_INVALID_UPDATE: 400,
  ERR_STORE_UNAVAILABLE: 503,
  /** The audit log cannot record the access (store down or behind): PHI is refused, not served unaudited. */
  ERR_AUDIT_UNAVAILABLE: 503,
  ERR_DOCUMENT_CLOSED: 409,
  ERR_INTERNAL: 500,
};

export class RoundsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RoundsError';
    this.code = code;
  }
  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

export function isRoundsError(e: unknown): e is RoundsError {
  return e instanceof RoundsError;
}
