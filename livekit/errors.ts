/**
 * Errors of the video layer, with stable codes and HTTP statuses. A failed LiveKit call keeps
 * LiveKit's own Twirp code (`permission_denied`, `not_found`, ...) in `upstream`, so it is
 * surfaced to the caller and the logs instead of being swallowed.
 */
export type VideoErrorCode =
  | 'ERR_VIDEO_DISABLED'
  | 'ERR_RECORDING_DISABLED'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_BAD_REQUEST'
  | 'ERR_NOT_ON_VISIT'
  | 'ERR_NOT_ADMITTED'
  | 'ERR_VISIT_ENDED'
  | 'ERR_ROOM_COMMAND'
  | 'ERR_NO_ACTIVE_RECORDING'
  | 'ERR_RECORDING_ACTIVE'
  | 'ERR_STORAGE_LOCATION'
  | 'ERR_STORAGE_FAILED'
  | 'ERR_REMOVED'
  | 'ERR_WEBHOOK_UNAUTHORIZED'
  | 'ERR_LIVEKIT_PERMISSION_DENIED'
  | 'ERR_LIVEKIT_UNAUTHENTICATED'
  | 'ERR_LIVEKIT_NOT_FOUND'
  | 'ERR_LIVEKIT_UNIMPLEMENTED'
  | 'ERR_LIVEKIT_FAILED'
  | 'ERR_LIVEKIT_UNREACHABLE';

export const VIDEO_ERROR_STATUS: Record<VideoErrorCode, number> = {
  ERR_VIDEO_DISABLED: 503,
  ERR_RECORDING_DISABLED: 503,
  ERR_FORBIDDEN: 403,
  ERR_NOT_FOUND: 404,
  ERR_BAD_REQUEST: 400,
  ERR_NOT_ON_VISIT: 403,
  ERR_NOT_ADMITTED: 409,
  ERR_VISIT_ENDED: 409,
  ERR_ROOM_COMMAND: 409,
  ERR_NO_ACTIVE_RECORDING: 409,
  ERR_RECORDING_ACTIVE: 409,
  ERR_STORAGE_LOCATION: 500,
  ERR_STORAGE_FAILED: 502,
  // Removed by a clinician: no video until a clinician re-admits them.
  ERR_REMOVED: 403,
  ERR_WEBHOOK_UNAUTHORIZED: 401,
  // LiveKit refused Rounds: a server-side misconfiguration, reported as a bad gateway.
  ERR_LIVEKIT_PERMISSION_DENIED: 502,
  ERR_LIVEKIT_UNAUTHENTICATED: 502,
  ERR_LIVEKIT_NOT_FOUND: 404,
  ERR_LIVEKIT_UNIMPLEMENTED: 501,
  ERR_LIVEKIT_FAILED: 502,
  ERR_LIVEKIT_UNREACHABLE: 504,
};

export class VideoError extends Error {
  readonly status: number;
  constructor(readonly code: VideoErrorCode, message: string, readonly upstream?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VideoError';
    this.status = VIDEO_ERROR_STATUS[code];
  }
}
