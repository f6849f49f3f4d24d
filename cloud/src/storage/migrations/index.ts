/**
 * Every schema migration, in order. To change the schema, add a file NNN-name.ts
 * exporting a Migration with the next version, and list it here.
 */
import { registry } from './001-registry.js';
import { vitalData } from './002-vital-data.js';
import { vitalBlocks } from './008-vital-blocks.js';
import { compactionState } from './009-compaction-state.js';
import { gatewayStatus } from './010-gateway-status.js';
import { alarmsAndLedger } from './003-alarms-ledger.js';
import { lifecycle } from './004-lifecycle.js';
import { ledgerWatermark } from './005-ledger-watermark.js';
import { apiReaders } from './006-api-readers.js';
import { metricUnits } from './007-metric-units.js';
import { fhirExports } from './011-fhir-exports.js';
import { compactionLateRows } from './012-compaction-late-rows.js';
import { seriesDictionary } from './013-series-dictionary.js';
import { ledgerPrunedCreated } from './014-ledger-pruned-created.js';
import type { Migration } from './migration.js';

export const MIGRATIONS: readonly Migration[] = [registry, vitalData, alarmsAndLedger, lifecycle, ledgerWatermark, apiReaders, metricUnits, vitalBlocks, compactionState, gatewayStatus, fhirExports, compactionLateRows, seriesDictionary, ledgerPrunedCreated];

export { migrationChecksum, type Migration } from './migration.js';
