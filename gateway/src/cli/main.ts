#!/usr/bin/env node
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2));
// `run` keeps the process alive itself; every other command ends here.
if (code !== 0 || !process.argv.slice(2).includes('run')) process.exitCode = code;
