#!/usr/bin/env node
/** The `vacsrp` binary: wires the real streams and scanner into the program and sets the exit code. */
import { scan } from '@vacsrp/scanner';
import { runCli } from './program.js';
import { readVersion } from './version.js';

// A closed pipe (`vacsrp scan . | head`) is the reader's choice, not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

process.exitCode = await runCli(process.argv.slice(2), {
  scan,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  version: readVersion(),
});
