import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/pg/scheduling/schema.ts',
  out: './db/pg/scheduling/migrations',
});
