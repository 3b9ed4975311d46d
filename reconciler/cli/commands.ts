/** Every subcommand, by name. Each lives in its own file; add a line here to add one. */
import type { Command } from './command';
import { brokerCommand } from './broker';
import { validateCommand } from './validate';
import { schemaCommand } from './schema';
import { planCommand } from './plan';
import { applyCommand } from './apply';
import { driftCommand } from './drift';
import { runCommand } from './run';
import { upCommand } from './up';
import { canICommand } from './can-i';
import { diffCommand } from './diff';
import { policyCommand } from './policy';
import { commentCommand } from './comment';
import { connectionCommand } from '../connection/check-command';

export const commands: Record<string, Command> = {
  broker: brokerCommand,
  validate: validateCommand,
  schema: schemaCommand,
  plan: planCommand,
  apply: applyCommand,
  drift: driftCommand,
  run: runCommand,
  up: upCommand,
  'can-i': canICommand,
  diff: diffCommand,
  policy: policyCommand,
  comment: commentCommand,
  connection: connectionCommand,
};
