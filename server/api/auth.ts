/** Bearer-token authentication for the HTTP API (the same signed tokens the sync layer takes). */
import { tokenCoversDocument, verifyToken, type VerifiedToken } from '../auth/tokens.ts';
import { RoundsError } from '../errors.ts';
import { bearerToken, type HttpRequest } from '../http/types.ts';

/**
 * A token is good for the API when its `doc` claim is `api`, or (for calls about one visit) when
 * it covers that visit's room, as the tokens handed to patients and invited joiners do.
 */
export async function authenticate(req: HttpRequest, secret: Uint8Array, visitId?: string): Promise<VerifiedToken> {
  const t = await verifyToken(secret, bearerToken(req));
  if (t.doc === 'api') return t;
  if (visitId && tokenCoversDocument(t.doc, `visit/${visitId}/room`)) return t;
  throw new RoundsError('ERR_FORBIDDEN', 'this token is not valid for the API');
}
