/** Every subcommand, by name. Each lives in its own file; add a line here to add one. */
import type { Command } from './command';
import { brokerCommand } from './broker';

export const commands: Record<string, Command> = {
  broker: brokerCommand,
};
