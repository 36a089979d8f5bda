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

export type SyncState = 'connecting' | 'live' | 'reconnecting' | 'offline' | 'idle' | 'closed';

const edits = (n: number) => `${n} edit${n === 1 ? '' : 's'}`;

/**
 * What the sync badge says. 'idle': the token lapsed while nobody was using the page (the next
 * input resumes). Close codes: 4004 visit closed, 4005 session ended, 4006 token expired.
 */
export function syncLabel(state: SyncState, pending: number, closeCode: number | null = null): string {
  switch (state) {
    case 'live': return 'Live';
    case 'connecting': return 'Connecting…';
    case 'reconnecting': return pending > 0 ? `Reconnecting — ${edits(pending)} not yet saved` : 'Reconnecting…';
    case 'offline': return pending > 0 ? `Offline — ${edits(pending)} will be sent when back online` : 'Offline';
    case 'idle': return 'Paused while you were away — type or click to resume';
    case 'closed': return closeCode === 4004 ? 'Visit closed — read only' : closeCode === 4005 ? 'Session ended — sign in again' : closeCode === 4006 ? 'Session expired — open your link again' : 'Disconnected';
  }
}
