import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/sqlite/security/schema.ts',
  out: './db/sqlite/security/migrations',
});
