// Bundles the browser code (src/web/client/main.ts, with cytoscape) into dist/web/static/app.js
// with esbuild. Runs after tsc in `npm run build`; the server serves the file, no CDN at run time.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ['src/web/client/main.ts'],
  outfile: 'dist/web/static/app.js',
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  legalComments: 'linked',
  logLevel: 'warning',
});
