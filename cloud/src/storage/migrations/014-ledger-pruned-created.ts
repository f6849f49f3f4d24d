import type { Migration } from './migration.js';

/**
 * The newest creation time among a gateway's pruned ledger rows. A batch under a pruned
 * sequence that was created after every pruned batch cannot be a replay of one: it is a
 * gateway that numbered new readings with an old sequence (its buffer was restored from a
 * copy older than the ledger keeps), answered 409 WL_API_BATCH_SEQ_REUSED so the gateway
 * renumbers it, instead of 422 WL_API_BATCH_EXPIRED, which would quarantine new readings.
 * NULL until the next prune (rows pruned before this step keep the 422).
 */
export const ledgerPrunedCreated: Migration = {
  version: 14,
  name: 'ledger-pruned-created',
  sql: `
ALTER TABLE gateways ADD COLUMN ledger_pruned_created_at timestamptz;
`,
};
