import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

// The layers of docs/architecture.md. Each part of reconciler/ names what it may import (besides itself); anything
// else in reconciler/ is forbidden. The pipeline: source → model → observe → plan → apply → report, a later stage
// importing earlier ones; connection/, users/ and localkafka/ are adapters; cli/ and daemon/ sit on top.
const MAY_IMPORT = {
  shared: [],
  model: ['shared'],
  connection: ['model', 'shared'],
  source: ['connection', 'shared'],
  observe: ['model', 'shared'],
  plan: ['model', 'shared'],
  apply: ['observe', 'plan', 'model', 'shared'],
  users: ['apply', 'connection', 'model', 'shared'],
  localkafka: ['connection', 'model', 'shared'],
  report: ['apply', 'plan', 'observe', 'model', 'shared'],
  notify: ['report', 'apply', 'plan', 'source', 'model', 'shared'],
  policy: ['model', 'shared'],
  diff: ['policy', 'report', 'plan', 'model', 'shared'],
  authz: ['model', 'shared'],
  import: ['model', 'shared'],
  'reconcile.ts': ['apply', 'plan', 'observe', 'model', 'connection', 'users', 'shared'],
  daemon: [
    'reconcile.ts',
    'notify',
    'report',
    'apply',
    'plan',
    'observe',
    'model',
    'source',
    'connection',
    'users',
    'shared',
  ],
};
const PARTS = [...Object.keys(MAY_IMPORT), 'cli', 'cli.ts'];
const zones = Object.entries(MAY_IMPORT).map(([part, allowed]) => ({
  target: `./reconciler/${part}`,
  from: PARTS.filter((other) => other !== part && !allowed.includes(other)).map((other) => `./reconciler/${other}`),
  message: `reconciler/${part} may import only ${allowed.join(', ') || 'nothing else in reconciler/'} (docs/architecture.md)`,
}));
// The stacks read two tables of the reconciler (the IAM actions it calls, the MSK secret names), nothing else.
zones.push({
  target: './stacks',
  from: './reconciler',
  except: ['./connection/iam-actions.ts', './users/msk-secret-names.ts'],
  message: 'stacks/ may import only the IAM actions and the MSK secret names from reconciler/',
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'dist/**', 'cdktf.out/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // No import cycle, between folders or files; imports point down the layers above (type imports included).
    files: ['reconciler/**/*.ts', 'stacks/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', { zones }],
    },
  },
);
