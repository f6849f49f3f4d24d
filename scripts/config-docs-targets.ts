/**
 * The generated configuration references: which document each daemon's settings table
 * renders to. `pnpm config-docs` writes them; scripts/config-docs.test.ts fails when a
 * committed one differs from what the tables render now.
 */
import { fileURLToPath } from 'node:url';
import { cloudConfigReference } from '@wardlink/cloud/testing';
import { gatewayConfigReference } from '@wardlink/gateway/testing';
import type { SettingsReference } from '@wardlink/shared';

export interface ConfigDocTarget {
  /** Repository-relative path of the document. */
  readonly file: string;
  readonly render: () => SettingsReference;
}

export const CONFIG_DOC_TARGETS: readonly ConfigDocTarget[] = [
  { file: 'docs/gateway-config.md', render: gatewayConfigReference },
  { file: 'docs/cloud-config.md', render: cloudConfigReference },
];

/** The repository root, wherever the command is run from. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
