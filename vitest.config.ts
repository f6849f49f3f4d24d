import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Workspace packages resolve to their TypeScript source, so tests never need a build.
export default defineConfig({
  resolve: {
    // The testing entries first: an alias also matches the longer names it prefixes.
    alias: {
      '@wardlink/gateway/testing': here('./gateway/src/testing/index.ts'),
      '@wardlink/cloud/testing': here('./cloud/src/testing/index.ts'),
      '@wardlink/shared': here('./shared/src/index.ts'),
      '@wardlink/gateway': here('./gateway/src/index.ts'),
      '@wardlink/cloud': here('./cloud/src/index.ts'),
      '@wardlink/simulator': here('./simulator/src/index.ts'),
    },
  },
  test: {
    include: ['{shared,gateway,cloud,simulator,scripts,e2e}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // CI asks for a JSON report, from which .ci/run prints its "N passed, N failed" line.
    reporters: process.env.WARDLINK_TEST_JSON
      ? ['default', ['json', { outputFile: process.env.WARDLINK_TEST_JSON }]]
      : ['default'],
  },
});
