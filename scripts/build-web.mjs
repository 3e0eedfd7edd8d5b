// Bundles the browser code (src/web/client/main.ts, with cytoscape) into dist/web/static/app.js
// with esbuild, as an ES module with cytoscape split into a chunk loaded after the first paint. Runs after tsc in `npm run build`; the server serves the file, no CDN at run time.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
rmSync(`${root}dist/web/static`, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/web/client/main.ts'],
  entryNames: 'app',
  chunkNames: 'chunk-[hash]',
  outdir: 'dist/web/static',
  bundle: true,
  splitting: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox110', 'safari16'],
  legalComments: 'linked',
  logLevel: 'warning',
});
