import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/sqlite/ehr/schema.ts',
  out: './db/sqlite/ehr/migrations',
});
