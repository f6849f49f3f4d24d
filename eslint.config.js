import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The import patterns a package may not use: the other packages, by name or by path. */
function wall(banned) {
  return {
    group: banned.flatMap((pkg) => [`@wardlink/${pkg}`, `@wardlink/${pkg}/**`, `**/${pkg}/src/**`, `**/${pkg}/**`]),
    message: 'package wall: see docs/architecture.md for which package may import which',
  };
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-artifacts/**', 'bench-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
    },
  },
  // The package walls (docs/architecture.md). shared is the floor; simulator stands on it;
  // gateway and cloud import only shared (their tests and testing/ folders also the
  // simulator); scripts and e2e may use every package, but only through its entries
  // (@wardlink/<pkg>, @wardlink/<pkg>/testing), never a path into its src/.
  ...[
    { files: ['gateway/src/**/*.ts'], banned: ['cloud', 'scripts', 'e2e'], runtimeAlsoBanned: ['simulator'] },
    { files: ['cloud/src/**/*.ts'], banned: ['gateway', 'scripts', 'e2e'], runtimeAlsoBanned: ['simulator'] },
    { files: ['simulator/src/**/*.ts'], banned: ['gateway', 'cloud', 'scripts', 'e2e'], runtimeAlsoBanned: [] },
    { files: ['shared/src/**/*.ts'], banned: ['gateway', 'cloud', 'simulator', 'scripts', 'e2e'], runtimeAlsoBanned: [] },
  ].flatMap(({ files, banned, runtimeAlsoBanned }) => [
    { files, rules: { 'no-restricted-imports': ['error', { patterns: [wall(banned)] }] } },
    ...(runtimeAlsoBanned.length === 0
      ? []
      : [{ files, ignores: ['**/*.test.ts', '**/testing/**'], rules: { 'no-restricted-imports': ['error', { patterns: [wall([...banned, ...runtimeAlsoBanned])] }] } }]),
  ]),
  {
    files: ['scripts/**/*.ts', 'e2e/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['gateway', 'cloud', 'shared', 'simulator'].map((pkg) => `**/${pkg}/src/**`),
              message: 'package wall: scripts and e2e use a package through its entry (@wardlink/<pkg> or @wardlink/<pkg>/testing), not a path into its src/ (docs/architecture.md)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
