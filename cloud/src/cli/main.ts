#!/usr/bin/env node
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
// `serve` returns after its graceful stop; nothing else may keep the process alive
// (pino's async destination flushes on exit).
if (process.argv.slice(2).includes('serve')) process.exit(code);
