/** The IAM actions table in docs/connections.md is the list the stack grants: they cannot drift apart. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RECONCILER_IAM_ACTIONS } from '../../../reconciler/connection/iam-actions';

describe('docs/connections.md', () => {
  const doc = readFileSync(path.join(__dirname, '../../../docs/connections.md'), 'utf8');
  const section = doc.slice(doc.indexOf('# The IAM actions the reconciler needs'), doc.indexOf('# What is tested'));

  it('lists exactly RECONCILER_IAM_ACTIONS in its actions table, under the right resource', () => {
    const rows = section.split('\n').filter((line) => /^\|.*`kafka-cluster:/.test(line));
    let resource = '';
    const documented: Record<string, string[]> = {};
    for (const row of rows) {
      const [, first, action] = row.split('|').map((cell) => cell.trim());
      if (first) resource = /`(cluster|topic|group)\//.exec(first)?.[1] ?? first;
      (documented[resource] ??= []).push(/`(kafka-cluster:\w+)`/.exec(action)![1]);
    }
    expect(documented).toEqual({
      cluster: [...RECONCILER_IAM_ACTIONS.cluster],
      topic: [...RECONCILER_IAM_ACTIONS.topic],
    });
  });
});
