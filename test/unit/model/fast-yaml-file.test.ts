// The fast path (js-yaml) must put every node exactly where the `yaml` package does, or refuse the file.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FastYamlFile } from '../../../reconciler/model/fast-yaml-file';
import { YamlFile, type PathElement } from '../../../reconciler/model/yaml-file';
import { openDocument } from '../../../reconciler/model/load';

const ROOT = path.resolve(__dirname, '../../..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

function paths(value: unknown, prefix: PathElement[] = []): PathElement[][] {
  const out: PathElement[][] = [prefix];
  if (Array.isArray(value)) value.forEach((item, i) => out.push(...paths(item, [...prefix, i])));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) out.push(...paths(item, [...prefix, key]));
  }
  return out;
}

const TRICKY: Record<string, string> = {
  'comments and blank lines':
    '# head\n\ntopics:   # after key\n\n  # before entry\n  orders:\n    partitions: 3 # trailing\n',
  'flow collections over lines':
    'acls:\n  - { principal: "User:a",\n      resource: { type: topic, name: t },\n      operations: [Read,\n        Write] }\n',
  'quoted keys and values': 'topics:\n  "a b": { partitions: 1 }\n  \'c\': { description: "x: y" }\n',
  'block scalars': 'topics:\n  t:\n    description: |\n      line one\n      line two\n    partitions: 1\n',
  'empty values': 'topics:\n  t:\n    config:\n    partitions:\nusers:\n',
  'nested sequences':
    'apps:\n  a:\n    produces:\n    - t1\n    -   t2\n    consumes:\n      -\n        topic: t\n        group: g\n',
  'crlf line ends': 'topics:\r\n  t:\r\n    partitions: 1\r\n',
  'big numbers': 'topics:\n  t:\n    config:\n      retention.bytes: 9223372036854775807\n      retention.ms: -1\n',
};

function compare(file: string, text: string): boolean {
  let fast: FastYamlFile;
  try {
    fast = new FastYamlFile(file, text);
  } catch {
    return false;
  }
  const slow = new YamlFile(file, text);
  expect(slow.problems).toEqual([]);
  expect(fast.value ?? null).toEqual(slow.value ?? null);
  for (const p of [...paths(fast.value), ['missing'], [...paths(fast.value).slice(-1)[0], 'missing', 0]]) {
    const where = `${file} ${JSON.stringify(p)}`;
    expect(`${where} key ${JSON.stringify(fast.locate(p, 'key'))}`).toBe(
      `${where} key ${JSON.stringify(slow.locate(p, 'key'))}`,
    );
    expect(`${where} value ${JSON.stringify(fast.locate(p, 'value'))}`).toBe(
      `${where} value ${JSON.stringify(slow.locate(p, 'value'))}`,
    );
    expect(`${where} entries ${JSON.stringify(fast.entries(p))}`).toBe(
      `${where} entries ${JSON.stringify(slow.entries(p))}`,
    );
    if (typeof slow.sourceText(p) === 'string' && /^-?\d+$/.test(slow.sourceText(p)!)) {
      expect(fast.sourceText(p)).toBe(slow.sourceText(p));
    }
  }
  return true;
}

describe('FastYamlFile', () => {
  it.each(Object.entries(TRICKY))('places nodes like the yaml package: %s', (name, text) => {
    expect(compare(`${name}.yaml`, text)).toBe(true);
  });

  it('places every node of every fixture and example file like the yaml package', () => {
    const files = [
      ...yamlFiles(path.join(ROOT, 'desired-state')),
      ...yamlFiles(path.join(ROOT, 'test/fixtures/manifests')),
    ];
    const compared = files.filter((file) => compare(path.relative(ROOT, file), readFileSync(file, 'utf8')));
    // Only the files with YAML errors go the slow way.
    expect(files.filter((file) => !compared.includes(file)).map((file) => path.relative(ROOT, file))).toEqual([
      'test/fixtures/manifests/bad/duplicate-key-in-file/topics.yaml',
      'test/fixtures/manifests/bad/malformed-yaml/acls.yaml',
      'test/fixtures/manifests/bad/malformed-yaml/topics.yaml',
    ]);
  });

  it('refuses what it cannot place, so the yaml package reports it', () => {
    expect(openDocument('a.yaml', 'topics:\n  t: 1\n  t: 2\n')).toBeInstanceOf(YamlFile);
    expect(openDocument('a.yaml', 'x: &a { p: 1 }\ny: *a\n')).toBeInstanceOf(YamlFile);
    expect(openDocument('a.yaml', 'topics: [\n')).toBeInstanceOf(YamlFile);
    expect(openDocument('a.yaml', 'topics: {}\n')).toBeInstanceOf(FastYamlFile);
  });
});
