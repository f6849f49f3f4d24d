export { loadBatch, type GatewayIdentity, type LoadOptions, type LoadPath, type LoadResult } from './loader.js';
export { copyRows, encodeCopyRows, DEFAULT_COPY_FORMAT, type CopyFormat } from './copy-format.js';
export { encodeBinaryCopy } from './copy-binary.js';
export { encodeTextCopy } from './copy-text.js';
export { claimBatch, type LedgerEntry } from './ledger.js';
export { CloudDictionaries, dictionariesFor, storeDictionaryEntries } from './series-dictionary.js';
export { upsertLatestVitals, newestPerBedAndMetric } from './latest-vitals.js';
export { insertAlarms } from './alarms.js';
export { VITAL_COLUMNS, VITAL_COLUMN_LIST, mdcCodeOf, type RowContext } from './rows.js';
