/**
 * The JSON Schema editors use (via the `yaml-language-server` comment at the top of each manifest), derived from
 * the zod schemas, plus the topic-config table so `config:` keys complete and typos are underlined while typing.
 */
import { z } from 'zod';
import { ManifestFileSchema, PlanDocumentSchema, SettingsSchema } from './schema';
import { MAX_TOPIC_NAME_LENGTH } from './names';
import { TOPIC_CONFIGS, type TopicConfigType } from './topic-configs';

export const SCHEMA_KINDS = ['manifest', 'settings', 'plan'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

type JsonSchema = Record<string, unknown>;

const INTEGER_TEXT = '^[-+]?[0-9]+$';

function configValueSchema(type: TopicConfigType, description: string): JsonSchema {
  switch (type.kind) {
    case 'int':
    case 'long': {
      const integer: JsonSchema = { type: 'integer' };
      if (type.min !== undefined) integer.minimum = Number(type.min);
      if (type.max !== undefined) integer.maximum = Number(type.max);
      return { description, anyOf: [integer, { type: 'string', pattern: INTEGER_TEXT }] };
    }
    case 'double':
      return { description, anyOf: [{ type: 'number', minimum: type.min, maximum: type.max }, { type: 'string' }] };
    case 'boolean':
      return { description, anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] };
    case 'enum':
      return { description, type: 'string', enum: [...type.values] };
    case 'enum-list': {
      const [a, b] = type.values;
      return { description, type: 'string', enum: [...type.values, `${b},${a}`, `${a},${b}`] };
    }
    case 'string':
      return { description, type: 'string' };
  }
}

function topicConfigSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const name of Object.keys(TOPIC_CONFIGS).sort()) {
    properties[name] = configValueSchema(TOPIC_CONFIGS[name].type, TOPIC_CONFIGS[name].description);
  }
  return {
    description:
      "topic-level overrides (the topic configs of Kafka 4.1 and 3.9); keys not listed keep the cluster's defaults",
    type: 'object',
    properties,
    additionalProperties: false,
  };
}

/** The JSON Schema (draft-07, what yaml-language-server reads best) for manifests, settings.yaml or a plan. */
export function jsonSchemaFor(kind: SchemaKind): JsonSchema {
  if (kind === 'plan') {
    return {
      ...z.toJSONSchema(PlanDocumentSchema, { target: 'draft-7', io: 'output' }),
      title: 'msk-gitops plan',
      description:
        'A plan as `msk-gitops plan --format json` prints it and `plan --out FILE` saves it: each change typed by its kind, and the inputs it was computed from.',
    };
  }
  if (kind === 'settings') {
    return {
      ...z.toJSONSchema(SettingsSchema, { target: 'draft-7', io: 'input' }),
      title: 'msk-gitops settings.yaml',
      description: 'What msk-gitops owns, what it may delete, what it never touches and the naming rules.',
    };
  }
  const schema = z.toJSONSchema(ManifestFileSchema, { target: 'draft-7', io: 'input' }) as JsonSchema;
  const topics = (schema.properties as Record<string, JsonSchema>).topics;
  // Kafka's legal topic names, so an editor underlines "orders v2" as it is typed (the loader also checks "."/"..").
  topics.propertyNames = { type: 'string', pattern: `^[a-zA-Z0-9._-]{1,${MAX_TOPIC_NAME_LENGTH}}$` };
  const topic = topics.additionalProperties as JsonSchema;
  (topic.properties as Record<string, JsonSchema>).config = topicConfigSchema();
  return {
    ...schema,
    title: 'msk-gitops manifest',
    description: 'Topics, SCRAM users, ACLs and apps (a service in a few lines, expanded to its ACLs).',
  };
}

/** The file text committed under schema/ (stable key order, trailing newline). */
export function jsonSchemaText(kind: SchemaKind): string {
  return `${JSON.stringify(jsonSchemaFor(kind), null, 2)}\n`;
}
