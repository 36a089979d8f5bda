/** The one JSON body reader of the HTTP API (server/api, livekit, ...): 415 for another content type, 400 for bad JSON. */
import type { HttpRequest } from './types.ts';

export type BodyErrorCode = 'ERR_UNSUPPORTED_MEDIA_TYPE' | 'ERR_BAD_REQUEST';

export class BodyError extends Error {
  readonly status: number;
  constructor(readonly code: BodyErrorCode, message: string) {
    super(message);
    this.name = 'BodyError';
    this.status = code === 'ERR_UNSUPPORTED_MEDIA_TYPE' ? 415 : 400;
  }
}

/** The parsed JSON body, or undefined when there is none. */
export function jsonBody(req: HttpRequest): unknown {
  if (req.body.length === 0) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new BodyError('ERR_UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  try {
    return JSON.parse(Buffer.from(req.body).toString('utf8'));
  } catch {
    throw new BodyError('ERR_BAD_REQUEST', 'body is not valid JSON');
  }
}
