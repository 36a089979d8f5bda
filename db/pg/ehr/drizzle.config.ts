import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/pg/ehr/schema.ts',
  out: './db/pg/ehr/migrations',
});
