// Lint rules for the library (typescript-eslint's recommended rules), its tests, benchmarks and
// scripts (plain Node). Formatting is Prettier's job, so its rules are off here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'build/',
      'build-sanitize/',
      'bench/results/',
      'prebuilds/',
      'node_modules/',
      'test/.readme-*/',
      'test/scenarios/**/node_modules/',
    ],
  },
  js.configs.recommended,
  {
    files: ['lib/**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      // Values crossing processes and the addon's results are untyped by nature.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Functions located by reference (targets, Process subclasses, pool tasks) are any callable or class.
      '@typescript-eslint/no-unsafe-function-type': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node, ...globals.mocha } },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['**/*.mjs', 'test/scenarios/esm/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.node, ...globals.mocha } },
  },
  prettier,
);
