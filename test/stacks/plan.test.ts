/**
 * Real terraform over the synthesized stacks: init from the provider mirror, validate, an offline plan, and the policy
 * check over `terraform show -json` of that plan. Needs TF_PLUGIN_MIRROR (the folder that holds
 * registry.terraform.io/hashicorp/aws/5.100.0/...); CI sets it. One synth and one init per stack for the whole file.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'cdktf';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { MskGitopsStack } from '../../stacks/stack';
import { checkPlanPolicy } from '../../stacks/policy-check';
import { offlineConfig } from './offline-config';

const run = promisify(execFile);
const mirror = process.env.TF_PLUGIN_MIRROR;

if (!mirror) {
  // Straight to stderr: jest drops console output of a file whose tests are all skipped, and this must be seen.
  process.stderr.write(
    [
      '',
      '!!! TF_PLUGIN_MIRROR is not set: the terraform validate/plan tests of stacks/ are SKIPPED. !!!',
      '!!! Set it to the folder holding registry.terraform.io/hashicorp/aws/5.100.0 (CI does).     !!!',
      '',
    ].join('\n'),
  );
  console.warn('TF_PLUGIN_MIRROR is not set: terraform validate/plan tests of stacks/ skipped');
}
const describeWithTerraform = mirror ? describe : describe.skip;

interface Plan {
  resource_changes: Array<{ address: string; mode: string; type: string; change: { actions: string[] } }>;
  output_changes: Record<string, unknown>;
}

/** A stack that breaks every rule once, through the same constructs: proof the check reads real plans. */
function addBrokenStack(app: App): void {
  const broken = new MskGitopsStack(app, 'broken', offlineConfig());
  const cluster = broken.kafka.cluster;
  cluster.addOverride('client_authentication.unauthenticated', true);
  cluster.addOverride('client_authentication.sasl.iam', false);
  cluster.addOverride('encryption_info.encryption_in_transit.client_broker', 'TLS_PLAINTEXT');
  cluster.addOverride('encryption_info.encryption_at_rest_kms_key_arn', undefined);
  broken.kafka.configuration.addOverride('server_properties', 'allow.everyone.if.no.acl.found=true');
  broken.key.key.addOverride('enable_key_rotation', false);
  broken.jumper.instance.addOverride('metadata_options.http_tokens', 'optional');
  broken.jumper.instance.addOverride('root_block_device.encrypted', false);
  new VpcSecurityGroupIngressRule(broken, 'ssh-from-anywhere', {
    securityGroupId: broken.securityGroups.jumper.id,
    cidrIpv4: '0.0.0.0/0',
    ipProtocol: 'tcp',
    fromPort: 22,
    toPort: 22,
  });
  new IamRolePolicy(broken, 'admin', {
    role: broken.jumper.role.id,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
  });
  new SecretsmanagerSecretVersion(broken, 'webhook-in-state', {
    secretId: broken.secrets.slackWebhookUrl.id,
    secretString: 'https://hooks.slack.invalid/T000/B000/XXXX',
  });
}

describeWithTerraform('terraform over the synthesized stacks (offline, provider from TF_PLUGIN_MIRROR)', () => {
  const work = mkdtempSync(join(tmpdir(), 'msk-gitops-stacks-'));
  const outdir = join(work, 'cdktf.out');
  const plans: Record<string, Plan> = {};
  const validations: Record<string, { valid: boolean; diagnostics: unknown[] }> = {};
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    const cliConfig = join(work, 'terraform.tfrc');
    writeFileSync(
      cliConfig,
      `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`,
    );
    // The cdktf matchers spawn terraform with process.env, so the mirror config goes there (restored after).
    Object.assign(process.env, { TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' });
    delete process.env.TF_CLI_ARGS;

    const app = new App({ outdir });
    new MskGitopsStack(app, 'defaults', offlineConfig());
    new MskGitopsStack(
      app,
      'public-access',
      offlineConfig({
        kafka: { instanceType: 'kafka.m5.large', openMonitoring: true, enhancedMonitoring: 'PER_BROKER' },
        publicAccess: { enabled: true, allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] },
        jumper: {
          desiredStateRepo: 'https://github.com/example/kafka-manifests.git',
          useGitCredentials: true,
          slackReports: true,
        },
      }),
    );
    addBrokenStack(app);
    app.synth();

    await Promise.all(
      ['defaults', 'public-access', 'broken'].map(async (name) => {
        const cwd = join(outdir, 'stacks', name);
        const terraform = (...args: string[]) =>
          run('terraform', args, { cwd, env: process.env, maxBuffer: 64 * 1024 * 1024 });
        await terraform('init', '-input=false', '-no-color');
        // Each terraform command loads the 600 MB provider (~4 s): the broken stack only needs its plan.
        if (name !== 'broken') {
          // validate -json exits non-zero when invalid; the JSON still says why.
          const validation = await terraform('validate', '-json', '-no-color').catch(
            (error: { stdout: string }) => error,
          );
          validations[name] = JSON.parse(validation.stdout) as { valid: boolean; diagnostics: unknown[] };
        }
        await terraform('plan', '-input=false', '-lock=false', '-no-color', '-out=plan.tfplan');
        const { stdout } = await terraform('show', '-json', 'plan.tfplan');
        plans[name] = JSON.parse(stdout) as Plan;
      }),
    );
  }, 240_000);

  afterAll(() => {
    process.env = savedEnv;
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  });

  // Our own `terraform validate -json` rather than the cdktf matcher, which runs init again for every stack (~15 s).
  it('is valid terraform', () => {
    for (const name of ['defaults', 'public-access']) {
      expect({ name, ...validations[name] }).toMatchObject({ name, valid: true, diagnostics: [] });
    }
  });

  it('plans the whole stack offline: only creations, and no data source that would call AWS', () => {
    const plan = plans.defaults;
    const types = new Set(plan.resource_changes.map((change) => change.type));
    for (const type of ['aws_vpc', 'aws_msk_cluster', 'aws_msk_configuration', 'aws_kms_key', 'aws_instance']) {
      expect(types).toContain(type);
    }
    expect(
      plan.resource_changes.every(
        (change) => change.change.actions.join() === (change.mode === 'data' ? 'read' : 'create'),
      ),
    ).toBe(true);
    // The policy document is computed by terraform itself; any other data source would need AWS credentials.
    expect(plan.resource_changes.filter((change) => change.mode === 'data').map((change) => change.type)).toEqual([
      'aws_iam_policy_document',
    ]);
    expect(Object.keys(plan.output_changes)).toEqual(
      expect.arrayContaining([
        'bootstrap_brokers_sasl_iam',
        'bootstrap_brokers_sasl_scram',
        'cluster_arn',
        'jumper_instance_id',
        'kms_key_arn',
      ]),
    );
  });

  it('passes every policy rule, with defaults and with every option on', () => {
    expect(checkPlanPolicy(plans.defaults)).toEqual([]);
    expect(checkPlanPolicy(plans['public-access'])).toEqual([]);
    expect(Object.keys(plans['public-access'].output_changes)).toEqual(
      expect.arrayContaining(['bootstrap_brokers_public_sasl_iam', 'bootstrap_brokers_public_sasl_scram']),
    );
  });

  it('catches every broken rule in a real plan', () => {
    const violations = checkPlanPolicy(plans.broken);
    expect(new Set(violations.map((violation) => violation.rule))).toEqual(
      new Set([
        'msk-encryption-at-rest-cmk',
        'msk-tls-only',
        'msk-auth',
        'msk-acl-default-deny',
        'kms-rotation',
        'imdsv2-required',
        'root-volume-encrypted',
        'no-world-ingress',
        'no-ssh-ingress',
        'iam-no-wildcards',
        'no-secret-values-in-state',
      ]),
    );
  });
});
