/** A TCP proxy that a test can cut and restore, to make a real service "briefly unreachable". */
import net from 'node:net';

export interface Proxy { port: number; cut(): void; restore(): Promise<void>; close(): Promise<void> }

export async function startProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  let port = 0;
  let server: net.Server;
  const listen = () => new Promise<void>((resolve) => {
    server = net.createServer((client) => {
      const upstream = net.connect(targetPort, targetHost);
      sockets.add(client); sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
      client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
    });
    server.listen(port, '127.0.0.1', () => { port = (server.address() as net.AddressInfo).port; resolve(); });
  });
  await listen();
  return {
    get port() { return port; },
    cut: () => { server.close(); for (const s of sockets) s.destroy(); sockets.clear(); },
    restore: listen,
    close: async () => { server.close(); for (const s of sockets) s.destroy(); },
  };
}
