/**
 * Connection settings from a file (`--config FILE`): JSON or YAML (JSON is YAML, so one parser gives positions for
 * both). The file is either a pure profile or the daemon's config with the profile under `connection:`. Errors are
 * `FILE:LINE:COLUMN: "setting": problem`, like the manifests'.
 */
import { readFileSync } from 'node:fs';
import { isMap, type Document } from 'yaml';
import { deepestNodeOn, keyRangeOf, parseConfigDocument } from '../model/yaml-file';
import {
  ConnectionSettingsSchema,
  describeIssues,
  profileFromSettings,
  type ConnectionProfile,
  type ConnectionSettings,
} from './profile';
import { ConnectionSettingError } from '../shared/errors';

interface ParsedFile {
  settings: ConnectionSettings;
  /** Where the profile sits in the document: [] for a pure profile file, ['connection'] for a daemon config. */
  prefix: string[];
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConnectionSettingError(
      `connection profile ${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

function placeOfSetting(
  doc: Document,
  placeOf: (offset: number) => string,
  file: string,
  path: readonly PropertyKey[],
  atKey = false,
): string {
  // An unknown setting is reported where its key is written, not its value; a missing one at its parent map.
  const keyRange = atKey && path.length > 0 ? keyRangeOf(doc, path) : undefined;
  if (keyRange) return placeOf(keyRange[0]);
  const range = deepestNodeOn(doc, path).node?.range;
  return range ? placeOf(range[0]) : `${file}:1:1`;
}

function parseSettingsText(text: string, file: string): ParsedFile {
  const { doc, placeOf, syntaxProblems } = parseConfigDocument(text, file);
  if (syntaxProblems.length > 0) throw new ConnectionSettingError(syntaxProblems.join('\n'));
  const data: unknown = doc.toJS();
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new ConnectionSettingError(`${file}:1:1: expected a mapping of connection settings`);
  const embedded = 'connection' in data && isMap(doc.get('connection', true));
  // A daemon config without a `connection:` section (the connection then comes from env or flags) names none of
  // the profile's settings; a pure profile file always names some, so typos in it are still reported.
  const knownKeys = Object.keys(ConnectionSettingsSchema.shape);
  if (!embedded && !Object.keys(data).some((key) => knownKeys.includes(key))) return { settings: {}, prefix: [] };
  const prefix = embedded ? ['connection'] : [];
  const input = embedded ? (data as { connection: unknown }).connection : data;
  const result = ConnectionSettingsSchema.safeParse(input, { reportInput: true });
  if (!result.success) {
    const messages = result.error.issues.map((issue) => {
      const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]] : issue.path;
      const [line] = describeIssues([issue]);
      return `${placeOfSetting(doc, placeOf, file, [...prefix, ...at], issue.code === 'unrecognized_keys')}: ${line}`;
    });
    throw new ConnectionSettingError(messages.join('\n'));
  }
  return { settings: result.data, prefix };
}

/** The settings a config file names (possibly partial: env and flags may complete them). */
export function loadConnectionSettingsFile(file: string): ConnectionSettings {
  return parseSettingsText(readText(file), file).settings;
}

/** A complete, checked profile from one file alone (the daemon's entry when it is given only its config file). */
export function loadConnectionProfileFile(file: string): ConnectionProfile {
  return profileFromSettings(loadConnectionSettingsFile(file), file);
}

/** For tests and callers that already hold the text. */
export function connectionSettingsFromText(text: string, file: string): ConnectionSettings {
  return parseSettingsText(text, file).settings;
}
