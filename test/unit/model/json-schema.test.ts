// The committed JSON Schemas are the zod model's, and they accept every file of the example desired state.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
// ajv 6 (draft-07) is what eslint already brings; the schemas target draft-07 for yaml-language-server anyway.
import Ajv from 'ajv';
import { parse } from 'yaml';
import { jsonSchemaText, SCHEMA_KINDS, type SchemaKind } from '../../../reconciler/model/json-schema';
import { SCHEMA_FILES } from '../../../reconciler/cli/schema';

const ROOT = path.resolve(__dirname, '../../..');
const DESIRED = path.join(ROOT, 'desired-state');
const SCHEMA_DIR = path.join(ROOT, 'schema');

function yamlFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return yamlFiles(dir, child);
    return /\.ya?ml$/.test(entry.name) ? [child] : [];
  });
}

function validator(kind: SchemaKind) {
  const schema = JSON.parse(readFileSync(path.join(SCHEMA_DIR, SCHEMA_FILES[kind]), 'utf8'));
  return new Ajv({ allErrors: true }).compile(schema);
}

describe('JSON Schema', () => {
  it.each(SCHEMA_KINDS)('schema/%s file is up to date with the zod model', (kind) => {
    const committed = readFileSync(path.join(SCHEMA_DIR, SCHEMA_FILES[kind]), 'utf8');
    const fresh = committed === jsonSchemaText(kind);
    expect(fresh ? 'fresh' : `stale after a model change: run npx tsx reconciler/cli.ts schema --write schema`).toBe(
      'fresh',
    );
  });

  const files = yamlFiles(DESIRED);

  it('covers the example desired state', () => {
    expect(files).toEqual(expect.arrayContaining(['settings.yaml', 'topics.yaml', 'users.yaml', 'apps/lms.yaml']));
  });

  it.each(files)('desired-state/%s names its schema and is valid against it', (file) => {
    const text = readFileSync(path.join(DESIRED, file), 'utf8');
    const kind: SchemaKind = file === 'settings.yaml' ? 'settings' : 'manifest';
    const first = text.split('\n')[0];
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(match).not.toBeNull();
    expect(path.resolve(path.dirname(path.join(DESIRED, file)), match![1])).toBe(
      path.join(SCHEMA_DIR, SCHEMA_FILES[kind]),
    );
    const validate = validator(kind);
    const valid = validate(parse(text));
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects what the loader rejects structurally: unknown keys, config typos, bad types', () => {
    const validate = validator('manifest');
    expect(validate({ topcs: {} })).toBe(false);
    expect(validate({ topics: { t: { partitions: 0, replicationFactor: 1 } } })).toBe(false);
    expect(validate({ topics: { t: { partitions: 1, replicationFactor: 1, config: { 'retention.mss': 1 } } } })).toBe(
      false,
    );
    expect(
      validate({ topics: { t: { partitions: 1, replicationFactor: 1, config: { 'cleanup.policy': 'compcat' } } } }),
    ).toBe(false);
    expect(validate({ users: { u: { password: 'inline' } } })).toBe(false);
    expect(validate({ topics: { 'orders v2': { partitions: 1, replicationFactor: 1 } } })).toBe(false);
    expect(
      validate({ acls: [{ principal: 'nope', resource: { type: 'topic', name: 't' }, operations: ['Read'] }] }),
    ).toBe(false);
    expect(
      validate({ topics: { t: { partitions: 1, replicationFactor: 1, config: { 'retention.ms': '604800000' } } } }),
    ).toBe(true);
    expect(validator('settings')({ deletions: { acls: 'yes' } })).toBe(false);
  });
});
