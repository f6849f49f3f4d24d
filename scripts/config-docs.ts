/**
 * `pnpm config-docs`: renders each daemon's settings table to its configuration reference
 * (docs/gateway-config.md, docs/cloud-config.md). `--check` writes nothing and exits 1 when
 * a document is out of date. Either way it exits 1 when a setting is not fully documented
 * (no description, or a rule that does not describe itself), listing what to add where;
 * the documents are still written, so the rest of them stays current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_DOC_TARGETS, REPO_ROOT } from './config-docs-targets.js';

const check = process.argv.includes('--check');
let failed = false;
for (const target of CONFIG_DOC_TARGETS) {
  const { markdown, problems } = target.render();
  const path = join(REPO_ROOT, target.file);
  const current = (() => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  })();
  for (const problem of problems) console.error(`${target.file}: ${problem}`);
  failed ||= problems.length > 0;
  if (current === markdown) {
    console.log(`${target.file}: up to date`);
  } else if (check) {
    console.error(`${target.file}: out of date; run \`pnpm config-docs\``);
    failed = true;
  } else {
    writeFileSync(path, markdown);
    console.log(`${target.file}: written`);
  }
}
process.exitCode = failed ? 1 : 0;
