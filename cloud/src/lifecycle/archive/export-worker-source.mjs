// Worker entry when running from TypeScript source (tests, tsx): loads export-worker.ts
// through tsx. The built service loads export-worker.js directly and never uses this.
import { tsImport } from 'tsx/esm/api';

await tsImport('./export-worker.ts', import.meta.url);
