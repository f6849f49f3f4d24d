export * from './types.js';
export * from './catalog/index.js';
export * from './errors/index.js';
export * from './codec/index.js';
export * from './timers.js';
export * from './cli/output.js';
export * from './manual-clock.js';
export * from './units/index.js';
