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
    // On Citus a test's DDL and lifecycle steps reach three clusters per test worker and
    // run several times slower on 2 cores (the lifecycle CLI's retention run: 5 s on one
    // server, 30 s on Citus in a loaded CI run), so the default limit is larger there.
    testTimeout: ['1', 'true'].includes(process.env.WARDLINK_TEST_CITUS ?? '') ? 120_000 : 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // CI asks for a JSON report, from which .ci/run prints its "N passed, N failed" line.
    reporters: process.env.WARDLINK_TEST_JSON
      ? ['default', ['json', { outputFile: process.env.WARDLINK_TEST_JSON }]]
      : ['default'],
  },
});
