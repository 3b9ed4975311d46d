#!/usr/bin/env node
// The installed `msk-gitops` command: runs the TypeScript CLI through tsx's loader (a runtime dependency).
require('tsx/cjs');
require('../reconciler/cli.ts').runAsProcess();
