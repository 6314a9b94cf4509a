// @ts-check
// ESLint as the Nest starter sets it up (typescript-eslint, type-aware), with eslint-config-prettier
// turning off every rule that formatting decides: `npm run format` owns layout, `npm run lint` the code.
import eslint from '@eslint/js';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import prettierConfig from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// An extension under extensions/ has its own package.json: its code is type-checked against its own
// dependencies (`npm ci` in its folder, as .ci/run does first). A checkout without them skips it
// rather than failing on types it cannot resolve.
const extensionsDir = join(import.meta.dirname, 'extensions');
const uninstalledExtensions = (existsSync(extensionsDir) ? readdirSync(extensionsDir) : [])
  .filter((name) => !existsSync(join(extensionsDir, name, 'node_modules')))
  .map((name) => `extensions/${name}/`);

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'data/',
      'coverage/',
      'docs/',
      'extensions/*/build/',
      'extensions/*/build-test/',
      ...uninstalledExtensions,
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettierConfig,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      sourceType: 'commonjs',
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'warn',
      '@typescript-eslint/no-unsafe-argument': 'warn',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Synchronous drivers (better-sqlite3, the static token) implement promise-returning ports.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests read untyped answers (supertest's `res.body`, parsed JSON): `any` is their input.
    files: ['test/**/*.ts', '**/*.spec.ts', 'extensions/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  {
    // node:test's describe/it return promises its runner awaits.
    files: ['extensions/*/test/**/*.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    // Plain Node scripts (scripts/, bench/, jest's setup): CommonJS, not type-checked.
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js'],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      // `const { performance } = require('node:perf_hooks')` is deliberate in the benchmarks.
      'no-redeclare': ['error', { builtinGlobals: false }],
    },
  },
  {
    // The operators' console runs in the browser as ES modules (served from dist/admin/console).
    files: ['src/admin/console/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
);
