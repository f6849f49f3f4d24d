import type { Migration } from './migration.js';

/**
 * The batch ledger is pruned once its rows are past the hot period (it would otherwise
 * grow by ~10^5 rows a day, forever). Each gateway keeps the highest sequence number
 * pruned, so a batch at or below it that is no longer in the ledger is refused
 * (WL_API_BATCH_EXPIRED) instead of being stored a second time into days that may
 * already be archived.
 */
export const ledgerWatermark: Migration = {
  version: 5,
  name: 'ledger-watermark',
  sql: `
ALTER TABLE gateways ADD COLUMN ledger_pruned_through_seq bigint NOT NULL DEFAULT 0 CHECK (ledger_pruned_through_seq >= 0);
`,
};
