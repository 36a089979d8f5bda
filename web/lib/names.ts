/** Display helpers shared by the pages. */
export const ROLE_LABELS: Record<string, string> = {
  clinician: 'Clinician', nurse: 'Nurse', scribe: 'Scribe', patient: 'Patient', caregiver: 'Caregiver',
  interpreter: 'Interpreter', observer: 'Observer', billing: 'Billing', admin: 'Admin',
};

/** A stable colour per user id, for cursors and badges. */
export function colorFor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 70% 40%)`;
}

export function minutes(ms: number | null): string {
  if (ms === null) return 'unknown';
  const m = Math.max(1, Math.round(ms / 60_000));
  return `about ${m} minute${m === 1 ? '' : 's'}`;
}

export type SyncState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'closed';

/** What the sync badge says; 4004/4006 are the server's close codes for a closed visit / expired token. */
export function syncLabel(state: SyncState, pending: number, closeCode: number | null = null): string {
  switch (state) {
    case 'live': return 'Live';
    case 'connecting': return 'Connecting…';
    case 'reconnecting': return pending > 0 ? `Reconnecting — ${pending} edit${pending === 1 ? '' : 's'} not yet saved` : 'Reconnecting…';
    case 'offline': return pending > 0 ? `Offline — ${pending} edit${pending === 1 ? '' : 's'} will be sent when back online` : 'Offline';
    case 'closed': return closeCode === 4004 ? 'Visit closed — read only' : closeCode === 4006 ? 'Session expired — open your link again' : 'Disconnected';
  }
}
