/**
 * Structured logs (pino). Never log PHI: log ids, codes and counts, not names, note text or
 * payloads. Known PHI-bearing keys are redacted as a second line of defence.
 */
import { pino, type Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'rounds' },
    redact: {
      paths: ['token', '*.token', 'authorization', '*.authorization', 'note', '*.note', 'text', '*.text', 'name', '*.name', 'patient', '*.patient'],
      censor: '[redacted]',
    },
  });
}
