export * from './base.js';
export * from './config.js';
export * from './ingest.js';
