/**
 * Routing between server instances. Each instance that holds a document subscribes to the
 * document's channel; committed updates and awareness are published there with the sender's
 * instance id (echoes are dropped on receipt). Control messages (freeze a document, close
 * connections) go to every instance.
 *
 * Wire format of a document message: varString(instanceId) varUint(kind) varUint8Array(payload),
 * kind 0 = committed Yjs update, 1 = awareness update.
 */
export type BusKind = 'update' | 'awareness';

export interface BusMessage { kind: BusKind; payload: Uint8Array }

export type ControlMessage =
  | { type: 'freeze'; doc: string }
  | { type: 'unfreeze'; doc: string }
  | { type: 'close-docs'; docs: string[]; code: number }
  | { type: 'close-session'; sid: string; code: number }
  | { type: 'close-user'; sub: string; code: number };

export interface Bus {
  readonly instanceId: string;
  /** False while the broker is unreachable; the instance keeps serving its own clients. */
  readonly healthy: boolean;
  /** Resolves once the subscription is active (subscribe before loading, so nothing falls in the gap). */
  subscribe(doc: string, onMessage: (m: BusMessage) => void): Promise<void>;
  unsubscribe(doc: string): Promise<void>;
  publish(doc: string, kind: BusKind, payload: Uint8Array): void;
  publishControl(msg: ControlMessage): void;
  onControl(handler: (msg: ControlMessage) => void): void;
  /** Called after the broker comes back: everything published meanwhile was lost, so resync. */
  onReconnect(handler: () => void): void;
  close(): Promise<void>;
}
