/**
 * When the person last gave input on this page (keys, pointer, typing, a local edit), for the
 * server's idle logoff: a sync token renewal sent on its own says how long ago that was
 * (`x-rounds-idle-ms`), so the session counts activity then, not at the renewal. Loading the
 * page counts as input.
 */
let lastInput = Date.now();

export function noteActivity(at = Date.now()): void {
  if (at > lastInput) lastInput = at;
}

/** Milliseconds since the last input, whole. */
export function idleMs(now = Date.now()): number {
  return Math.max(0, Math.round(now - lastInput));
}
