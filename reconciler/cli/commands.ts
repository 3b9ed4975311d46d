/**
 * Every subcommand, by name, with the line `msk-gitops --help` shows for it. A command's module (and with it kafkajs,
 * the AWS SDK, git, the daemon) is loaded only when that command runs or shows its own --help: `--help` and
 * `validate` start in a few tens of milliseconds instead of loading every client the CLI can use.
 *
 * To add a command: write its module (exporting a `Command`) and add one entry here with `load: () => import(...)`.
 */
import type { Command } from './command';

export interface CommandEntry {
  /** One line for `msk-gitops --help`. */
  summary: string;
  load(): Promise<Command>;
}

export const commands: Record<string, CommandEntry> = {
  broker: {
    summary: 'start, stop or show the local two-broker Kafka cluster (real Apache Kafka, SCRAM, ACLs)',
    load: async () => (await import('./broker')).brokerCommand,
  },
  validate: {
    summary: 'check the manifests (all problems at once, file:line:column); exit 0 valid, 1 invalid',
    load: async () => (await import('./validate')).validateCommand,
  },
  schema: {
    summary: 'print the JSON Schema for manifests, settings.yaml or a plan (or --write them all into a directory)',
    load: async () => (await import('./schema')).schemaCommand,
  },
  plan: {
    summary: 'show what apply would change in the cluster (topics, configs, ACLs, users); --out FILE saves it',
    load: async () => (await import('./plan')).planCommand,
  },
  apply: {
    summary: 'apply the plan (or a plan saved with plan --out) to the cluster, then verify it converged',
    load: async () => (await import('./apply')).applyCommand,
  },
  drift: {
    summary: 'report how the cluster differs from the manifests (exit 2 on drift, 1 on a refused change)',
    load: async () => (await import('./drift')).driftCommand,
  },
  run: {
    summary: 'run the controller: follow the manifests (git or folder), converge, report drift (long-running)',
    load: async () => (await import('./run')).runCommand,
  },
  up: {
    summary: 'start the local Kafka, converge desired-state/ into it, then keep converging on every edit',
    load: async () => (await import('./up')).upCommand,
  },
  'can-i': {
    summary:
      'answer whether a principal may do an operation on a resource, and which ACL decides (exit 0 allowed, 3 denied)',
    load: async () => (await import('./can-i')).canICommand,
  },
  diff: {
    summary: 'the semantic difference between two git revisions of the manifests (apps expanded to their ACLs)',
    load: async () => (await import('./diff')).diffCommand,
  },
  policy: {
    summary:
      'check the manifests against the pull-request policy (wildcards, All, cluster Alter, short prefixes, deletions)',
    load: async () => (await import('./policy')).policyCommand,
  },
  comment: {
    summary:
      'the pull-request comment: validation, policy, semantic diff and (with --live) the plan against the cluster',
    load: async () => (await import('./comment')).commentCommand,
  },
  import: {
    summary: 'write manifests for what a running cluster has (topics, apps or explicit ACLs, SCRAM users, quotas)',
    load: async () => (await import('./import')).importCommand,
  },
  connection: {
    summary: 'show the resolved connection profile and check that it connects and authenticates',
    load: async () => (await import('./connection')).connectionCommand,
  },
};
