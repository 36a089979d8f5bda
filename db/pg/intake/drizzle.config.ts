import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/pg/intake/schema.ts',
  out: './db/pg/intake/migrations',
});
