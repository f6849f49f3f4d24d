import type { Migration } from './migration.js';

/**
 * The fleet view: the latest status each gateway sent (POST /v1/gateways/status), one
 * row per gateway, overwritten at every send. `status` is the checked document
 * (cloud/src/fleet/status-doc.ts); the columns are what the view sorts and alerts on.
 * clock_skew_ms is the gateway's clock minus the cloud's at receipt.
 * Distributed by hospital_id under Citus, colocated with the hospital's other tables: a
 * status write and a hospital's fleet read are single-shard.
 */
export const gatewayStatus: Migration = {
  version: 10,
  name: 'gateway-status',
  sql: `
CREATE TABLE gateway_status (
  hospital_id      text COLLATE "C" NOT NULL,
  gateway_id       text COLLATE "C" NOT NULL,
  received_at      timestamptz NOT NULL,
  gateway_sent_at  timestamptz NOT NULL,
  clock_skew_ms    bigint NOT NULL,
  software_version text NOT NULL,
  status           jsonb NOT NULL,
  PRIMARY KEY (hospital_id, gateway_id),
  FOREIGN KEY (hospital_id, gateway_id) REFERENCES gateways (hospital_id, gateway_id)
);
`,
};
