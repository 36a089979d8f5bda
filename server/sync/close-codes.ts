/**
 * WebSocket close codes, all in one place. 1000–1015 are RFC 6455; 4000–4999 are ours.
 * Clients may switch on these numbers; they are stable.
 */
export const CloseCode = {
  /** Server shutting down or the document unloading; the client should reconnect. */
  GOING_AWAY: 1001,
  /** A message exceeded ROUNDS_MAX_MESSAGE_BYTES. */
  MESSAGE_TOO_BIG: 1009,
  /** The frame could not be decoded (bad varint, truncated, trailing garbage, not binary). */
  MALFORMED_MESSAGE: 4000,
  /** The first varint is not a y-websocket message type we speak. */
  UNKNOWN_MESSAGE_TYPE: 4001,
  /** A sync update that Yjs cannot decode. Nothing of it was applied or stored. */
  INVALID_UPDATE: 4002,
  /** The connection's role may not do this (e.g. write a document it may only read). */
  FORBIDDEN: 4003,
  /** The document is closed (e.g. the visit ended and the note is frozen). */
  DOCUMENT_CLOSED: 4004,
  /** The user's session ended or access was revoked. */
  SESSION_REVOKED: 4005,
  /** The access token expired while the connection was open. */
  TOKEN_EXPIRED: 4006,
  /** The store could not commit; nothing was acknowledged. The client keeps its edits and resends. */
  STORE_UNAVAILABLE: 4007,
  /** Too much pre-load or awareness traffic. */
  RATE_LIMITED: 4008,
  /** Unexpected server error; the document and store were left unchanged. */
  INTERNAL_ERROR: 4009,
  /**
   * The audit log cannot record access (its store is down or behind): the connection is closed
   * rather than served unaudited. Upgrades answer 503 ERR_AUDIT_UNAVAILABLE until it recovers;
   * the client keeps its edits and reconnects.
   */
  AUDIT_UNAVAILABLE: 4010,
} as const;

export type CloseCodeName = keyof typeof CloseCode;
export type CloseCodeValue = (typeof CloseCode)[CloseCodeName];

export const CLOSE_REASON: Record<CloseCodeValue, string> = {
  1001: 'going away',
  1009: 'message too big',
  4000: 'malformed message',
  4001: 'unknown message type',
  4002: 'invalid update',
  4003: 'forbidden',
  4004: 'document closed',
  4005: 'session revoked',
  4006: 'token expired',
  4007: 'store unavailable',
  4008: 'rate limited',
  4009: 'internal error',
  4010: 'audit unavailable',
};
