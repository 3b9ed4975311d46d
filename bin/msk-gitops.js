#!/usr/bin/env node
// The installed `msk-gitops` command: the CLI compiled by `npm run build` (tsc) into dist/.
require('../dist/reconciler/cli.js').runAsProcess();
