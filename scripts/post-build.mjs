// Makes the CLI entry point executable after tsc (tsc does not keep file modes), and copies the
// data files that modules read at run time beside themselves (tsc emits only .ts output).
import { chmodSync, copyFileSync } from 'node:fs';
chmodSync(new URL('../dist/cli/main.js', import.meta.url), 0o755);
copyFileSync(new URL('../src/core/log-source-map.json', import.meta.url), new URL('../dist/core/log-source-map.json', import.meta.url));
