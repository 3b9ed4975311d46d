// Every broken manifest in test/fixtures/manifests/bad/<case>/ fails with exactly the lines in its expected.txt.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic, loadDesiredState } from '../../../reconciler/model/load';

const CORPUS = path.resolve(__dirname, '../../fixtures/manifests/bad');
const cases = readdirSync(CORPUS).sort();

describe('bad manifest corpus', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases)('%s', async (name) => {
    const dir = path.join(CORPUS, name);
    const expected = readFileSync(path.join(dir, 'expected.txt'), 'utf8').trimEnd().split('\n');
    const result = await loadDesiredState(dir);
    expect(result.state).toBeNull();
    const lines = result.diagnostics.map((d) => formatDiagnostic(d).split(dir).join('.'));
    expect(lines).toEqual(expected);
  });
});
