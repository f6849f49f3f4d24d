/**
 * One unit per uncatalogued term and hospital (migration 007). Inside the batch's
 * transaction, before its COPY: register the units this batch brings for codes the
 * hospital has not seen (ON CONFLICT DO NOTHING: the first batch wins, also against a
 * concurrent one), read back the registered unit of every code in the batch, and bring
 * each reading to it:
 *  - the same unit, or no unit stated: stored as is;
 *  - a commensurable unit (kPa where mm[Hg] is registered): converted with UCUM;
 *  - a unit that cannot be converted: stored with its raw value, flagged INVALID, and
 *    counted, so it is kept but never read as a value in the registered unit.
 * Catalog metrics never come here: their unit is the catalog's.
 */
import type pg from 'pg';
import { convertUcum, isMetricId, QualityFlag, type Reading } from '@wardlink/shared';
import type { Logger } from '../storage/logger.js';

export interface UnitOutcome {
  converted: number;
  incommensurable: number;
}

const NONE: UnitOutcome = { converted: 0, incommensurable: 0 };

export async function reconcileUnits(client: pg.PoolClient, hospitalId: string, gatewayId: string, readings: readonly Reading[], logger: Logger): Promise<UnitOutcome> {
  const sent = new Map<number, string>(); // code → first unit this batch brings
  for (const r of readings) {
    if (isMetricId(r.metric)) continue;
    const code = Number(r.metric);
    if (!sent.has(code)) sent.set(code, r.unit ?? '');
  }
  if (sent.size === 0) return NONE;
  const codes = [...sent.keys()].sort((a, b) => a - b); // one lock order for concurrent batches
  await client.query(
    `INSERT INTO metric_units (hospital_id, metric, ucum, first_gateway_id)
     SELECT $1, u.metric, u.ucum, $2 FROM unnest($3::int[], $4::text[]) AS u(metric, ucum)
     ON CONFLICT (hospital_id, metric) DO NOTHING`,
    [hospitalId, gatewayId, codes, codes.map((c) => sent.get(c)!)],
  );
  const res = await client.query<{ metric: number; ucum: string }>('SELECT metric, ucum FROM metric_units WHERE hospital_id = $1 AND metric = ANY($2::int[])', [hospitalId, codes]);
  const registered = new Map(res.rows.map((row) => [row.metric, row.ucum]));
  const outcome = { converted: 0, incommensurable: 0 };
  for (const r of readings) {
    if (isMetricId(r.metric)) continue;
    const unit = r.unit ?? '';
    const target = registered.get(Number(r.metric)) ?? unit;
    if (unit === target || unit === '' || target === '') continue;
    const value = r.flags & QualityFlag.INVALID ? null : convertUcum(r.value, unit, target);
    if (value !== null) {
      r.value = value;
      outcome.converted += 1;
    } else if (!(r.flags & QualityFlag.INVALID)) {
      r.flags |= QualityFlag.INVALID;
      outcome.incommensurable += 1;
    }
    r.unit = target;
  }
  if (outcome.incommensurable > 0) {
    logger.warn({ hospitalId, gatewayId, readings: outcome.incommensurable }, 'uncatalogued values in a unit that cannot be converted to the registered one: stored flagged INVALID');
  }
  return outcome;
}
