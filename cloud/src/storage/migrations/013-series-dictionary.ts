import type { Migration } from './migration.js';

/**
 * Each gateway's series dictionary (shared/src/codec/dictionary.ts), as far as the cloud
 * has learnt it from the entries batches carried inline. Entries never change once
 * numbered, so a row is written once (ON CONFLICT DO NOTHING) in the transaction that
 * stores the batch that carried it. A lost row only costs a 409 WL_DICTIONARY_UNKNOWN,
 * after which the gateway re-sends its entries. Distributed by hospital under Citus,
 * colocated with batch_ledger, so the batch's transaction stays on one node.
 */
export const seriesDictionary: Migration = {
  version: 13,
  name: 'series-dictionary',
  sql: `
CREATE TABLE series_dictionary (
  hospital_id   text COLLATE "C" NOT NULL,
  gateway_id    text COLLATE "C" NOT NULL,
  dictionary_id bigint NOT NULL,
  number        integer NOT NULL,
  device_id     text NOT NULL,
  bed_id        text NOT NULL,
  patient_id    text,
  metric        text NOT NULL,
  unit          text,
  PRIMARY KEY (hospital_id, gateway_id, dictionary_id, number)
);
`,
};
