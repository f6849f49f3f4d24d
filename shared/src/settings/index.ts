export * from './table.js';
export { resolveSettings, type ResolvedSettings, type SettingSources } from './resolve.js';
export { buildSettings, printableSettings } from './build.js';
export { readSettingsFile } from './file.js';
