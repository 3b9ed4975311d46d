// Every broken manifest in test/fixtures/manifests/bad/<case>/ fails with exactly the lines in its expected.txt.
// A new case: add its directory, run with MSK_GITOPS_WRITE_EXPECTED=true once, and read expected.txt before committing.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatDiagnostic, loadDesiredState } from '../../../reconciler/model/load';

const CORPUS = path.resolve(__dirname, '../../fixtures/manifests/bad');
const cases = readdirSync(CORPUS).sort();

describe('bad manifest corpus', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases)('%s', async (name) => {
    const dir = path.join(CORPUS, name);
    const result = await loadDesiredState(dir);
    expect(result.state).toBeNull();
    const lines = result.diagnostics.map((d) => formatDiagnostic(d).split(dir).join('.'));
    if (process.env.MSK_GITOPS_WRITE_EXPECTED === 'true')
      writeFileSync(path.join(dir, 'expected.txt'), `${lines.join('\n')}\n`);
    const expected = readFileSync(path.join(dir, 'expected.txt'), 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(expected);
  });
});
