/** Error codes of the security layer (stable; clients and operators switch on them). */
export type SecurityErrorCode =
  | 'ERR_DECRYPT_FAILED'
  | 'ERR_KEY_UNKNOWN'
  | 'ERR_PLAINTEXT_REFUSED';

export class SecurityError extends Error {
  constructor(readonly code: SecurityErrorCode, message: string) {
    super(message);
    this.name = 'SecurityError';
  }
}
