/** Room commands go through the server, which checks them against the room rules. */
import { api } from './api.ts';

export function command(visitId: string, token: string, body: Record<string, unknown>): Promise<{ event: unknown; status: string }> {
  return api('POST', `/api/visits/${encodeURIComponent(visitId)}/commands`, token, body);
}
