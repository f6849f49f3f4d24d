/**
 * An archived day's readings for the FHIR routes, read from its Parquet objects with
 * DuckDB in compareFhirRows' order (DuckDB compares strings by bytes, as COLLATE "C"),
 * a chunk at a time. Values and times come back as PostgreSQL would have answered them
 * (float4AsPostgres, milliseconds), so an Observation is the same before and after its
 * day was archived.
 */
import { rm } from 'node:fs/promises';
import { float4AsPostgres, literal, localFiles, type ArchivedReadingsReader } from '../lifecycle/archive/archived-readings.js';
import type { ArchiveObject } from '../lifecycle/archive/objects.js';
import type { ArchiveStore } from '../lifecycle/store/archive-store.js';
import type { FhirRow } from './fhir-row.js';
import type { FhirQuery } from './fhir-sql.js';

export async function* archivedRows(reader: ArchivedReadingsReader, store: ArchiveStore, objects: ArchiveObject[], q: FhirQuery): AsyncGenerator<FhirRow[]> {
  if (objects.length === 0) return;
  const connection = await reader.connection();
  const files = await localFiles(store, objects);
  try {
    const params: Array<string> = [q.hospitalId];
    const terms = ['hospital_id = $1', `t >= ${literal(q.from.toISOString())}::TIMESTAMPTZ`, `t < ${literal(q.to.toISOString())}::TIMESTAMPTZ`];
    if (q.patientId !== undefined) terms.push(`patient_id = $${params.push(q.patientId)}`);
    else terms.push("patient_id <> ''");
    // Integers from the parsed query: safe as literals.
    if (q.metrics !== undefined) terms.push(`metric IN (${q.metrics.map((m) => String(Math.trunc(m))).join(', ') || 'NULL'})`);
    const result = await connection.stream(
      `SELECT floor(epoch_us(t) / 1000)::DOUBLE, value, flags, metric, patient_id, gateway_id, device_id, bed_id
       FROM read_parquet([${files.paths.map(literal).join(', ')}])
       WHERE ${terms.join(' AND ')}
       ORDER BY patient_id, t, gateway_id, device_id, metric`,
      params,
    );
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      const [t, value, flags, metric, patient, gateway, device, bed] = chunk.getColumns() as [number[], number[], number[], number[], string[], string[], string[], string[]];
      const rows = new Array<FhirRow>(chunk.rowCount);
      for (let i = 0; i < chunk.rowCount; i++) {
        rows[i] = { t: new Date(t[i]!), value: float4AsPostgres(value[i]!), flags: flags[i]!, metric: metric[i]!, patient_id: patient[i]!, gateway_id: gateway[i]!, device_id: device[i]!, bed_id: bed[i]! };
      }
      yield rows;
    }
  } finally {
    await Promise.all(files.temps.map((temp) => rm(temp, { force: true })));
  }
}
