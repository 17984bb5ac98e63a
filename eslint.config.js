// ESLint flat config (docs/decisions/0015-formatter-and-linter.md). `npm run lint` runs it over the
// whole repository; Prettier owns the layout, so no rule here is about formatting.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import angular from 'angular-eslint';
import globals from 'globals';

const webProjects = [
  'practitioner-app/tsconfig.app.json',
  'practitioner-app/tsconfig.spec.json',
  'portal-app/tsconfig.app.json',
  'portal-app/tsconfig.spec.json',
  'web-shared/tsconfig.spec.json',
];

export default tseslint.config(
  { ignores: ['**/node_modules/', 'dist/', '.angular/', 'coverage/', 'data/'] },

  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },

  // All TypeScript: type-aware rules, each file checked against the tsconfig that compiles it.
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: ['tsconfig.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: 'error',
      // A `let` assigned once after a closure that reads it is a deliberate forward reference
      // (create-auth.ts: the federation reads the provider created after it).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Validators.required and friends are static functions meant to be passed around unbound.
      '@typescript-eslint/unbound-method': ['error', { ignoreStatic: true }],
      // Callback-style APIs (passport, autocannon) hand over their error untyped; forwarding it unchanged
      // to a Promise's reject is right, wrapping it would hide its class from the callers' checks.
      '@typescript-eslint/prefer-promise-reject-errors': [
        'error',
        { allowThrowingAny: true, allowThrowingUnknown: true },
      ],
      // URLSearchParams and URL print as their serialized form, which is what a template wants.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowNumber: true,
          allow: [
            { from: 'lib', name: ['URLSearchParams', 'URL'] }, // the browser's (DOM lib)
            { from: 'package', package: 'url', name: ['URLSearchParams', 'URL'] }, // Node's (@types/node)
          ],
        },
      ],
      // The code writes `!` / `as T` on indexed access as if `noUncheckedIndexedAccess` were on: the marker says
      // "this element exists". Without that compiler option the rule calls ~300 of them unnecessary and would
      // delete them, and they become necessary again the day the option is turned on.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // Async functions without `await` implement Promise-returning contracts (storage engines, handlers):
      // `async` turns a throw into a rejection, which is what their callers handle.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it/test return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
    },
  },

  // Test code reads the untyped JSON the API under test sends back and asserts on it: `any` is the honest type
  // there, and the no-unsafe-* rules would only add casts the assertions already make redundant. For the
  // same reason tests interpolate such values into URLs; a wrong one fails the request the test makes.
  {
    files: ['test/**/*.ts', '**/*.test.ts', '**/*.spec.ts', '**/*-testing.ts', '**/testing.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },

  // The Angular apps and their shared library.
  {
    files: ['practitioner-app/**/*.ts', 'portal-app/**/*.ts', 'web-shared/**/*.ts'],
    extends: [...angular.configs.tsRecommended],
    processor: angular.processInlineTemplates,
    languageOptions: {
      parserOptions: { project: webProjects, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    files: ['practitioner-app/**/*.ts'],
    rules: {
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: 'pc', style: 'kebab-case' }],
      '@angular-eslint/directive-selector': ['error', { type: 'attribute', prefix: 'pc', style: 'camelCase' }],
    },
  },
  {
    files: ['portal-app/**/*.ts'],
    rules: {
      '@angular-eslint/component-selector': ['error', { type: 'element', prefix: 'pp', style: 'kebab-case' }],
      '@angular-eslint/directive-selector': ['error', { type: 'attribute', prefix: 'pp', style: 'camelCase' }],
    },
  },
  {
    files: ['**/*.html'],
    extends: [...angular.configs.templateRecommended, ...angular.configs.templateAccessibility],
  },
);
