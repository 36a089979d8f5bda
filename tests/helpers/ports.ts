/**
 * Test support: a free TCP port for a server that must restart on the SAME port.
 *
 * A server started on port 0 cannot always be restarted on the port it got: uSockets sets
 * SO_REUSEADDR only when it is given a non-zero port, so the server side of connections it
 * closed (TIME_WAIT, about a minute on Linux) blocks the new bind. Measured here: restarting
 * in-process on a port-0 server's port failed 20 times in a row over a second. Starting on an
 * explicit port avoids it, as a real deployment (PORT=8787) does.
 */
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
