/**
 * Prints a signed access token on stdout, for operators and tests.
 *
 *   npm run --silent token -- --sub dr-chen --role clinician --doc visit/123/note [--access read|write] [--ttl 10m]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { mintToken, secretKey } from '../auth/tokens.ts';

export function parseTtl(s: string): number {
  const m = /^(\d+)(s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new TypeError(`bad --ttl "${s}" (use e.g. 90s, 10m, 2h)`);
  const n = Number(m[1]);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return n * unit;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: 'string' },
      role: { type: 'string' },
      doc: { type: 'string' },
      access: { type: 'string', default: 'write' },
      ttl: { type: 'string', default: '10m' },
    },
    strict: true,
  });
  if (!values.sub || !values.role || !values.doc) throw new TypeError('--sub, --role and --doc are required');
  if (values.access !== 'read' && values.access !== 'write') throw new TypeError('--access must be read or write');
  const config = loadConfig();
  const token = await mintToken(secretKey(config.tokenSecret), { sub: values.sub, role: values.role, doc: values.doc, access: values.access }, parseTtl(values.ttl!));
  process.stdout.write(`${token}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`token: ${(e as Error).message}\n`);
  process.exit(2);
});
