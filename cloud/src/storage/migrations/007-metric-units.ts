import type { Migration } from './migration.js';

/**
 * The unit of each uncatalogued term (an MDC code outside the catalog: PAP, airway
 * pressures, cardiac output...) per hospital. A catalog metric's unit is fixed by the
 * catalog, so vital_data stores values only; an uncatalogued term's values arrive in
 * whatever unit the monitor sent, and would be unreadable without it. The first unit a
 * hospital's batches bring for a code is registered here; a later batch in another unit
 * is converted to it with UCUM on load, or, when the units are not commensurable, stored
 * flagged INVALID with its raw value (ingest/metric-units.ts). So each (hospital, code)
 * has ONE unit, and every stored value of it is in that unit.
 *
 * Distributed by hospital_id under Citus, colocated with vital_data. '' is the unit of a
 * code whose values came with none.
 */
export const metricUnits: Migration = {
  version: 7,
  name: 'metric-units',
  sql: `
CREATE TABLE metric_units (
  hospital_id      text COLLATE "C" NOT NULL,
  metric           integer NOT NULL CHECK (metric > 0),
  ucum             text NOT NULL,
  first_gateway_id text COLLATE "C" NOT NULL,
  first_seen_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hospital_id, metric)
);
`,
};
