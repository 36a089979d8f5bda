/**
 * The one error boundary of the HTTP routes. A route module says which of its own errors it
 * answers as they are (`known`); a RoundsError is answered with its status and code; anything else
 * is logged by name and path only (never a body, never PHI) and answered 500 ERR_INTERNAL.
 */
import type { Logger } from 'pino';
import { errorJson, type HttpRequest, type HttpResponse } from './types.ts';
import { isRoundsError } from '../errors.ts';

export type RouteHandler = (req: HttpRequest, p: Record<string, string>) => Promise<HttpResponse>;

/** How a module writes an error answer (JSON by default; FHIR routes answer an OperationOutcome). */
export type Answer = (status: number, code: string, message: string) => HttpResponse;

export interface Boundary {
  logger: Logger;
  /** Named in the log line of an unexpected error, e.g. `EHR route`. */
  what: string;
  /** The module's own errors, answered as they are; null for anything else. */
  known?: (e: unknown, req: HttpRequest) => HttpResponse | null;
  answer?: Answer;
}

export function errorBoundary(b: Boundary): (fn: RouteHandler) => RouteHandler {
  const answer = b.answer ?? ((status, code, message) => errorJson(status, code, message));
  return (fn) => async (req, p) => {
    try {
      return await fn(req, p);
    } catch (e) {
      const mine = b.known?.(e, req);
      if (mine) return mine;
      if (isRoundsError(e)) return answer(e.status, e.code, e.message);
      b.logger.error({ err: (e as Error)?.name, path: req.path }, `unhandled ${b.what} error`);
      return answer(500, 'ERR_INTERNAL', 'internal error');
    }
  };
}
