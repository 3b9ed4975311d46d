import { SettingsSchema, type LiveUser, type UserSpec } from '../../../reconciler/model/schema';
import { planUsers } from '../../../reconciler/plan/users';

const settings = (extra: object = {}) => SettingsSchema.parse(extra);

const user = (name: string, extra: Partial<UserSpec> = {}): UserSpec => ({
  name,
  mechanism: 'SCRAM-SHA-512',
  password: { generate: true },
  iterations: 8192,
  origin: { file: 'users.yaml', line: 3, column: 3 },
  ...extra,
});

describe('planUsers', () => {
  it('creates missing users with the mechanism, iterations and the password source kind only', () => {
    const changes = planUsers(
      [user('lms-user', { password: { env: 'LMS_PASSWORD' } }), user('central-user')],
      [],
      settings(),
    );
    expect(changes).toEqual([
      {
        id: 'user:central-user',
        action: 'create',
        kind: 'user',
        resource: 'central-user',
        before: null,
        after: { mechanism: 'SCRAM-SHA-512', iterations: 8192, password: 'generated' },
        verdict: { status: 'ok' },
        origin: { file: 'users.yaml', line: 3, column: 3 },
      },
      expect.objectContaining({
        id: 'user:lms-user',
        after: { mechanism: 'SCRAM-SHA-512', iterations: 8192, password: 'env LMS_PASSWORD' },
      }),
    ]);
  });

  it('leaves a user that has its mechanism alone', () => {
    const live: LiveUser[] = [{ name: 'lms-user', mechanisms: ['SCRAM-SHA-512'] }];
    expect(planUsers([user('lms-user')], live, settings())).toEqual([]);
  });

  it('updates a user whose mechanism is missing', () => {
    const live: LiveUser[] = [{ name: 'lms-user', mechanisms: ['SCRAM-SHA-256'] }];
    const [change] = planUsers([user('lms-user')], live, settings());
    expect(change).toMatchObject({
      id: 'user:lms-user',
      action: 'update',
      before: { mechanisms: ['SCRAM-SHA-256'] },
      after: { mechanism: 'SCRAM-SHA-512' },
      verdict: { status: 'ok' },
    });
  });

  it('shows an undeclared user as a skipped deletion unless deletions.users is on', () => {
    const live: LiveUser[] = [{ name: 'old-user', mechanisms: ['SCRAM-SHA-512'] }];
    expect(planUsers([], live, settings())).toEqual([
      {
        id: 'user:old-user',
        action: 'delete',
        kind: 'user',
        resource: 'old-user',
        before: { mechanisms: ['SCRAM-SHA-512'] },
        after: null,
        verdict: { status: 'skipped', reason: 'not declared; deletions.users is off in settings' },
      },
    ]);
    const [change] = planUsers([], live, settings({ deletions: { users: true } }));
    expect(change.verdict).toEqual({ status: 'ok' });
  });

  it('never deletes users outside scope.users or protected ones', () => {
    const live: LiveUser[] = [
      { name: 'admin', mechanisms: ['SCRAM-SHA-512'] },
      { name: 'app-old', mechanisms: ['SCRAM-SHA-512'] },
      { name: 'app-keep', mechanisms: ['SCRAM-SHA-512'] },
    ];
    const changes = planUsers(
      [],
      live,
      settings({ scope: { users: ['app-*'] }, protected: { users: ['app-keep'] }, deletions: { users: true } }),
    );
    expect(changes.map((c) => c.id)).toEqual(['user:app-old']);
  });

  it('refuses to create a declared user outside the scope or protected', () => {
    const changes = planUsers(
      [user('other'), user('app-admin')],
      [],
      settings({ scope: { users: ['app-*'] }, protected: { users: ['app-admin'] } }),
    );
    expect(changes.map((c) => [c.id, c.verdict])).toEqual([
      ['user:app-admin', { status: 'refused', reason: 'user app-admin is protected by protected.users' }],
      ['user:other', { status: 'refused', reason: 'user other is outside scope.users' }],
    ]);
  });

  it('plans nothing when the cluster does not expose users', () => {
    expect(planUsers([user('lms-user')], null, settings({ deletions: { users: true } }))).toEqual([]);
  });

  it('never puts a password value in a change', () => {
    process.env.PLAN_USERS_TEST_PASSWORD = 'hunter2-very-secret';
    const changes = planUsers([user('a', { password: { env: 'PLAN_USERS_TEST_PASSWORD' } })], [], settings());
    expect(JSON.stringify(changes)).not.toContain('hunter2');
  });
});
