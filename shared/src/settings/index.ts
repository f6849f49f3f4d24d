export * from './table.js';
export { resolveSettings, type ResolvedSettings, type SettingSources } from './resolve.js';
export { flattenSettings, type FlatSettings } from './flatten.js';
export { buildSettings, printableSettings } from './build.js';
export { settingFlags, settingFlagValues, type SettingFlag } from './flags.js';
export { readSettingsFile } from './file.js';
export { describedRule, describeRule, type RuleDescription } from './describe.js';
export { settingsReference, type DocumentedSetting, type ReferenceInput, type SettingDoc, type SettingsReference } from './reference.js';
