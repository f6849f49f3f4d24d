export * from './metrics.js';
export * from './lookup.js';
export * from './vendor-map.js';
