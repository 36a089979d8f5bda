import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/sqlite/scheduling/schema.ts',
  out: './db/sqlite/scheduling/migrations',
});
