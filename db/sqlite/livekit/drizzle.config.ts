import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/sqlite/livekit/schema.ts',
  out: './db/sqlite/livekit/migrations',
});
