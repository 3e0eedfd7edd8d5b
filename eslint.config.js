// Type-checked lint, plus the layer arrows of docs/ARCHITECTURE.md enforced as rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const appLayers = ['cli', 'api', 'web', 'render', 'query', 'ingest', 'store', 'sources', 'core'];

export default tseslint.config(
  { ignores: ['dist/', 'dist-check/', 'node_modules/', 'coverage/', 'scripts/*.mjs', 'bench/*.mjs', 'eval/*.mjs', 'test/fuzz/*.mjs', 'eslint.config.js', 'src/web/client/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // The two programs named (not projectService, which builds one per file's nearest tsconfig):
      // 33.5 s of CPU against 45 s on this machine (docs/benchmarks.md, issue 15).
      parserOptions: { project: ['./tsconfig.json', './test/evtx/mappers/tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'error',
      // The leaf libraries take bytes/text, never app code; the store never reaches up to queries or faces.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...['sigma', 'evtx', 'extract'].map((lib) => ({
              target: `./src/${lib}`,
              from: appLayers.map((l) => `./src/${l}`),
              message: `src/${lib} is a leaf library: it imports no app code.`,
            })),
            { target: './src/store', from: ['./src/query', './src/cli', './src/api', './src/web', './src/render', './src/ingest'], message: 'store sits below ingest/query.' },
            { target: './src/query', from: ['./src/cli', './src/api', './src/web', './src/ingest'], message: 'query sits below the faces.' },
            { target: './src/ingest', from: ['./src/query', './src/cli', './src/api', './src/web'], message: 'ingest sits below the faces.' },
            {
              target: ['./src/cli', './src/api', './src/web', './src/render'],
              from: './src/store/sqlite',
              message: 'the CLI, API and web reach the store only through Graph (src/graph.ts).',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI is the one place that prints.
    files: ['src/cli/**/*.ts', 'scripts/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
