export * from './metrics.js';
export * from './lookup.js';
export * from './vendor-map.js';
export * from './metric-key.js';
export * from './families.js';
export * from './terms.js';
