// SvelteKit configuration: the app lives in web/ (DESIGN.md keeps the top level fixed) and is built
// as a static single-page app that the Rounds server serves from the same origin as the API.
import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ pages: 'build/web', assets: 'build/web', fallback: 'index.html', strict: false }),
    files: {
      routes: 'web/routes',
      lib: 'web/lib',
      appTemplate: 'web/app.html',
      errorTemplate: 'web/error.html',
      assets: 'web/static',
      hooks: { client: 'web/hooks.client', server: 'web/hooks.server', universal: 'web/hooks' },
      params: 'web/params',
      serviceWorker: 'web/service-worker',
    },
    // The pure visit core is shared with the server: one contract for the room and note documents.
    alias: { $visits: 'server/visits' },
  },
};

export default config;
