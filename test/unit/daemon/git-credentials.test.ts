import { gitEnvironment, redactUrls } from '../../../reconciler/source/git';

describe('git credentials', () => {
  it('passes an HTTPS token as a per-process auth header, never in a URL or argument', () => {
    const env = gitEnvironment({ token: 'ghp_secret', username: 'x-access-token' }, null, '/k', {
      PATH: '/bin',
      EDITOR: 'vim',
      GIT_DIR: '/elsewhere',
    });
    expect(env).toEqual({
      PATH: '/bin',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.extraHeader',
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:ghp_secret').toString('base64')}`,
    });
  });

  it('points ssh at the deploy key file with host keys pinned on first use', () => {
    const env = gitEnvironment({}, '/var/lib/msk-gitops/checkout.credentials/deploy-key', '/k/known_hosts', {});
    expect(env.GIT_SSH_COMMAND).toBe(
      "ssh -i '/var/lib/msk-gitops/checkout.credentials/deploy-key' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile='/k/known_hosts'",
    );
  });

  it('redacts credentials from messages', () => {
    expect(redactUrls("fatal: unable to access 'https://user:tok@github.com/acme/k.git/'")).toBe(
      "fatal: unable to access 'https://***@github.com/acme/k.git/'",
    );
    expect(redactUrls('header Authorization: Basic abc=')).toBe('header Authorization: Basic ***');
  });
});
