import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const WALL_MESSAGE = 'package wall: see docs/architecture.md for which package may import which';

/**
 * One wall: the import patterns a package may not use (no-restricted-imports, gitignore
 * style) and the same ban as a regular expression over a dynamic `import('...')`'s literal
 * source, which no-restricted-imports does not check. `/` is written \x2F in the regular
 * expressions: an esquery selector's regular expression ends at its first slash.
 *  - banned: the packages not to be imported at all, by name or by path;
 *  - entryOnly: the packages to be imported only through their entry (@wardlink/<pkg>),
 *    never a deep path or a relative path into their folder;
 *  - srcOnly: the packages whose entries may be used (@wardlink/<pkg>, @wardlink/<pkg>/testing)
 *    but no path into their src/;
 *  - byName: the packages not to be imported by name (shared, from itself: its own modules
 *    are imported by relative path, so shared imports no workspace package).
 */
function wall({ banned = [], entryOnly = [], srcOnly = [], byName = [] }, message = WALL_MESSAGE) {
  const any = (pkgs) => `(${pkgs.join('|')})`;
  const group = [
    ...banned.flatMap((pkg) => [`@wardlink/${pkg}`, `@wardlink/${pkg}/**`, `**/${pkg}/src/**`, `**/${pkg}/**`]),
    ...entryOnly.flatMap((pkg) => [`@wardlink/${pkg}/**`, `**/${pkg}/src/**`, `**/${pkg}/**`]),
    ...srcOnly.map((pkg) => `**/${pkg}/src/**`),
    ...byName.flatMap((pkg) => [`@wardlink/${pkg}`, `@wardlink/${pkg}/**`]),
  ];
  const sources = [
    ...(banned.length > 0 ? [`^@wardlink\\x2F${any(banned)}$`, `(^|\\x2F)${any(banned)}\\x2F`] : []),
    ...(entryOnly.length > 0 ? [`(^|\\x2F)${any(entryOnly)}\\x2F`] : []),
    ...(srcOnly.length > 0 ? [`(^|\\x2F)${any(srcOnly)}\\x2Fsrc\\x2F`] : []),
    ...(byName.length > 0 ? [`^@wardlink\\x2F${any(byName)}(\\x2F|$)`] : []),
  ];
  const re = sources.join('|');
  return {
    'no-restricted-imports': ['error', { patterns: [{ group, message }] }],
    'no-restricted-syntax': [
      'error',
      { selector: `ImportExpression > Literal[value=/${re}/]`, message },
      { selector: `ImportExpression > TemplateLiteral[expressions.length=0] > TemplateElement[value.raw=/${re}/]`, message },
    ],
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
  // gateway and cloud import only shared, through its entry (their tests and testing/ folders also the
  // simulator, through its entry @wardlink/simulator only); scripts and e2e may use every
  // package, but only through its entries (@wardlink/<pkg>, @wardlink/<pkg>/testing), never
  // a path into its src/. Static and dynamic imports alike (wall()).
  ...[
    { files: ['gateway/src/**/*.ts'], banned: ['cloud', 'scripts', 'e2e'], runtimeAlsoBanned: ['simulator'], srcOnly: ['shared'] },
    { files: ['cloud/src/**/*.ts'], banned: ['gateway', 'scripts', 'e2e'], runtimeAlsoBanned: ['simulator'], srcOnly: ['shared'] },
    { files: ['simulator/src/**/*.ts'], banned: ['gateway', 'cloud', 'scripts', 'e2e'], runtimeAlsoBanned: [], srcOnly: ['shared'] },
    { files: ['shared/src/**/*.ts'], banned: ['gateway', 'cloud', 'simulator', 'scripts', 'e2e'], runtimeAlsoBanned: [], byName: ['shared'] },
  ].flatMap(({ files, banned, runtimeAlsoBanned, byName = [], srcOnly = [] }) => [
    { files, rules: wall({ banned, entryOnly: runtimeAlsoBanned, byName, srcOnly }) },
    ...(runtimeAlsoBanned.length === 0
      ? []
      : [{ files, ignores: ['**/*.test.ts', '**/testing/**'], rules: wall({ banned: [...banned, ...runtimeAlsoBanned], srcOnly }) }]),
  ]),
  {
    files: ['scripts/**/*.ts', 'e2e/**/*.ts'],
    rules: wall(
      { srcOnly: ['gateway', 'cloud', 'shared', 'simulator'] },
      'package wall: scripts and e2e use a package through its entry (@wardlink/<pkg> or @wardlink/<pkg>/testing), not a path into its src/ (docs/architecture.md)',
    ),
  },
  {
    files: ['**/*.test.ts', 'scripts/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
