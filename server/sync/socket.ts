/**
 * What the sync core needs from a transport. The uWebSockets.js adapter implements it for real
 * sockets; tests implement it in memory, so the core runs without a network.
 */
export interface SyncSocket {
  send(data: Uint8Array): void;
  subscribe(topic: string): void;
  /** Sends to every subscriber of `topic` except this socket. */
  publish(topic: string, data: Uint8Array): void;
  /** Closes with a code and short reason; the transport then reports the close to the hub. */
  close(code: number, reason: string): void;
  readonly isOpen: boolean;
}

/** Sends to every subscriber of a topic (used when the originating socket is already gone). */
export interface Broadcaster {
  publish(topic: string, data: Uint8Array): void;
}

/** Who is on the other end, decided at upgrade from a verified token. */
export interface ConnectionContext {
  docName: string;
  sub: string;
  role: string;
  access: 'read' | 'write';
  /** Token expiry, seconds since epoch; the connection is closed when it passes. */
  exp: number;
  /** Sign-in session the token came from, if any (for revocation). */
  sid?: string;
  /** Source address, for the audit trail. */
  address?: string;
}
