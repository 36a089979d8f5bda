import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/pg/security/schema.ts',
  out: './db/pg/security/migrations',
});
