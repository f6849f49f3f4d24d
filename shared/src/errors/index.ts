export * from './base.js';
export * from './config.js';
export * from './ingest.js';
export * from './codec.js';
export * from './cloud.js';
export * from './buffer.js';
export * from './alarms.js';
export * from './api.js';
