/** `msk-gitops schema`: the JSON Schema editors use to complete and check manifests, derived from the zod model. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { jsonSchemaText, SCHEMA_KINDS, type SchemaKind } from '../model/json-schema';
import { type Command } from './command';
import { UsageError, errorMessage } from '../shared/errors';

/** Where `--write` puts the files; desired-state/ files point at them with a relative `$schema` comment. */
export const SCHEMA_FILES: Record<SchemaKind, string> = {
  manifest: 'manifest.schema.json',
  settings: 'settings.schema.json',
  plan: 'plan.schema.json',
};

export const schemaCommand: Command = {
  usage: 'msk-gitops schema [manifest|settings|plan] | msk-gitops schema --write DIR',
  async run({ argv, stdout, cwd }) {
    const { values, positionals } = (() => {
      try {
        return parseArgs({
          args: argv,
          allowPositionals: true,
          options: { kind: { type: 'string', default: 'manifest' }, write: { type: 'string' } },
        });
      } catch (error) {
        // parseArgs' own errors are usage errors (exit 1 with the usage), whatever realm their TypeError comes from.
        throw new UsageError(errorMessage(error), { cause: error });
      }
    })();
    if (values.write !== undefined) {
      const dir = path.resolve(cwd, values.write);
      await mkdir(dir, { recursive: true });
      for (const kind of SCHEMA_KINDS) {
        await writeFile(path.join(dir, SCHEMA_FILES[kind]), jsonSchemaText(kind));
        stdout.write(`wrote ${path.join(values.write, SCHEMA_FILES[kind])}\n`);
      }
      return 0;
    }
    if (positionals.length > 1) throw new UsageError(`expected one schema kind, got ${positionals.join(' ')}`);
    const kind = (positionals[0] ?? values.kind) as SchemaKind;
    if (!SCHEMA_KINDS.includes(kind)) throw new UsageError(`the schema kind must be ${SCHEMA_KINDS.join(', ')}`);
    stdout.write(jsonSchemaText(kind));
    return 0;
  },
};
