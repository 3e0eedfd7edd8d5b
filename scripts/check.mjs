// The checks of `npm test` in one process: the type check of everything (what `npm run typecheck`,
// i.e. `tsc -p tsconfig.json --noEmit`, reports) and ESLint (what `npm run lint`, i.e. `eslint .`,
// reports), on ONE TypeScript program.
//
// Why (issue 15, docs/benchmarks.md): ESLint's type-aware rules build the same program from the same
// tsconfig.json and type-check it again; run apart, the two steps type-check the project twice.
// Here the program is built once: tsc's diagnostics come from it (the same calls, in the same order,
// as tsc's own emitFilesAndReportErrors), and ESLint is handed it through typescript-eslint's
// `parserOptions.programs` (with the second program eslint.config.js names, the JS mappers'), so
// its rules ask the checker that has already checked everything. Same configs, same files, same
// findings; `npm run typecheck` and `npm run lint` still run each tool alone.
//
// Prints tsc's diagnostics, then ESLint's report (stylish), then one line with each part's time;
// exits 1 if either found an error.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';

const root = fileURLToPath(new URL('../', import.meta.url));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** A program for a tsconfig, as `tsc -p FILE --noEmit` (and typescript-eslint's `project`) builds it. */
function programOf(configFile) {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, configFile), { noEmit: true }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.formatDiagnostics([d], formatHost));
    },
  });
  return ts.createProgram({
    rootNames: parsed.fileNames,
    options: parsed.options,
    projectReferences: parsed.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
  });
}

const formatHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };

process.chdir(root);
let failed = false;

// 1. The type check: tsc's own reporting function, on the program with noEmit (writes nothing).
const typecheckStarted = performance.now();
const main = programOf('tsconfig.json');
let typeErrors = 0;
ts.emitFilesAndReportErrors(main, (d) => {
  if (d.category === ts.DiagnosticCategory.Error) typeErrors++;
  process.stdout.write(ts.formatDiagnostics([d], formatHost));
});
if (typeErrors > 0) {
  failed = true;
  process.stdout.write(`\ntypecheck: ${typeErrors} error(s)\n`);
}
const typecheckMs = performance.now() - typecheckStarted;

// 2. ESLint on the same program (the mappers' program is the second one eslint.config.js names).
const lintStarted = performance.now();
const eslint = new ESLint({
  cwd: root,
  overrideConfig: { languageOptions: { parserOptions: { programs: [main, programOf('test/evtx/mappers/tsconfig.json')] } } },
});
const results = await eslint.lintFiles(['.']);
const report = (await eslint.loadFormatter('stylish')).format(results);
if (report.trim() !== '') process.stdout.write(`${report}\n`);
if (results.some((r) => r.errorCount > 0 || r.fatalErrorCount > 0)) failed = true;
const lintMs = performance.now() - lintStarted;

process.stdout.write(`check: typecheck ${seconds(typecheckMs)}, lint ${seconds(lintMs)}${failed ? ' (FAILED)' : ''}\n`);
process.exit(failed ? 1 : 0);
