import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/pg/livekit/schema.ts',
  out: './db/pg/livekit/migrations',
});
