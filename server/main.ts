/** `npm start`: read configuration, start the server, stop cleanly on SIGTERM/SIGINT. */
import { loadConfig } from './config.ts';
import { startServer } from './app.ts';
import { isRoundsError } from './errors.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const stop = (signal: string) => {
    server.logger.info({ signal }, 'shutting down');
    server.stop().then(
      () => process.exit(0),
      (e) => { server.logger.error({ err: (e as Error).name }, 'shutdown failed'); process.exit(1); },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  // Printed only once the signal handlers are in place: whoever waits for this line may signal at once.
  process.stdout.write(`Rounds is running at ${server.url}  (health: ${server.url}/healthz)\n`);
}

main().catch((e: unknown) => {
  const msg = isRoundsError(e) ? `${e.code}: ${e.message}` : `ERR_INTERNAL: ${(e as Error)?.message ?? String(e)}`;
  process.stderr.write(`rounds: cannot start. ${msg}\n`);
  process.exit(1);
});
