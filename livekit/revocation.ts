/**
 * When a user's session ends or their account is revoked, they leave every LiveKit room they are
 * in (the visit's main room and their breakout), so video ends within seconds like sync does.
 * LiveKit identities are user ids, not sessions, so every device of that user leaves; a device
 * whose session is still live can fetch a new video token and rejoin.
 */
import type { VisitRepository } from '../db/visit-repo.ts';
import type { VideoService } from './service.ts';
import { roomName } from './rooms.ts';

export async function removeUserFromVideo(video: VideoService, repo: VisitRepository, userId: string): Promise<number> {
  try {
    video.livekit();
  } catch {
    return 0; // video is off
  }
  let removed = 0;
  for (const v of await repo.list({ status: ['waiting', 'in-progress'] })) {
    const entry = await video.entry(v.id, userId);
    if (!entry) continue;
    const rooms = [roomName({ visitId: v.id }), ...(entry.breakoutId ? [roomName({ visitId: v.id, breakoutId: entry.breakoutId })] : [])];
    for (const room of rooms) {
      if (await video.ifConnected(() => video.backend.removeParticipant(room, userId))) removed++;
    }
  }
  return removed;
}
