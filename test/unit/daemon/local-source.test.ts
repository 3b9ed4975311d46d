import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { folderRevision } from '../../../reconciler/source/local';

describe('folderRevision', () => {
  it('changes with a YAML edit and ignores other files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rev-'));
    mkdirSync(path.join(dir, 'apps'));
    writeFileSync(path.join(dir, 'apps', 'a.yaml'), 'topics: {}\n');
    const first = folderRevision(dir);
    expect(first).toMatch(/^local-[0-9a-f]{16}$/);
    writeFileSync(path.join(dir, 'notes.txt'), 'x');
    writeFileSync(path.join(dir, '.a.yaml.swp'), 'x');
    expect(folderRevision(dir)).toBe(first);
    writeFileSync(path.join(dir, 'apps', 'a.yaml'), 'topics: {x: 1}\n');
    expect(folderRevision(dir)).not.toBe(first);
  });
});
