#!/usr/bin/env node
// The installed `msk-gitops` command: runs the TypeScript CLI through tsx's loader (a runtime dependency).
require('tsx/cjs');
const { main } = require('../reconciler/cli.ts');
main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
}).then((code) => {
  process.exitCode = code;
});
