/** A private redis-server on a free port that a test may stop and start again (Debian's redis-server). */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface PrivateRedis { url: string; port: number; start(): Promise<void>; stop(): Promise<void> }

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const up = () => new Promise<boolean>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
  const r: PrivateRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    start: async () => {
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      proc.on('error', () => {});
      for (let i = 0; i < 200 && !(await up()); i++) await new Promise((res) => setTimeout(res, 25));
      if (!(await up())) throw new Error('redis-server did not start (is Debian redis-server installed?)');
    },
    stop: async () => {
      if (!proc) return;
      const p = proc;
      proc = null;
      const gone = new Promise((res) => p.once('exit', res));
      p.kill('SIGKILL');
      await gone;
    },
  };
  process.on('exit', () => proc?.kill('SIGKILL'));
  return r;
}
