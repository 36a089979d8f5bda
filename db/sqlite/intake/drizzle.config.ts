import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/sqlite/intake/schema.ts',
  out: './db/sqlite/intake/migrations',
});
