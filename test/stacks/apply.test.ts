/**
 * The stack applied for real: synthesized, `terraform apply` against the AWS emulator moto, planned again (nothing may
 * be left to change but moto's named gaps), then `terraform destroy`. What moto cannot emulate (MSK configurations,
 * bootstrap brokers, SCRAM association) is stood in for by fixed values, see moto-stack.ts. Needs TF_PLUGIN_MIRROR
 * (skipped without it, like plan.test.ts) and moto (fails without it: test/support/moto.ts says how to install it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackConfig, type StackConfigInput } from '../../stacks/config';
import { requiredSettings } from './offline-config';
import { AL2023_AMI_PARAMETER } from '../../stacks/constructs/jumper';
import { startMoto, type MotoServer } from '../support/moto';
import { TF_PLUGIN_MIRROR, terraformIn } from '../support/terraform';
import { forMoto, motoTerraformEnvironment, sortSecondPlan, synthStack } from './moto-stack';

const mirror = TF_PLUGIN_MIRROR;
if (!mirror)
  process.stderr.write('\n!!! TF_PLUGIN_MIRROR is not set: the apply tests against moto are SKIPPED. !!!\n\n');
const describeWithTerraform = mirror ? describe : describe.skip;

const REGION = 'eu-west-1';
/** One terraform step's limit: a full cycle takes minutes on a loaded 2-core machine, a stuck step must still end. */
const STEP_MS = 420_000;

/** The AMI moto's SSM parameter names, as a user pinning the AMI would read it (moto's AMI set knows it). */
async function currentAmi(moto: MotoServer): Promise<string> {
  const response = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonSSM.GetParameter',
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/${REGION}/ssm/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ Name: AL2023_AMI_PARAMETER }),
  });
  const body = (await response.json()) as { Parameter?: { Value?: string } };
  if (!body.Parameter?.Value) throw new Error(`moto has no ${AL2023_AMI_PARAMETER}: ${JSON.stringify(body)}`);
  return body.Parameter.Value;
}

describeWithTerraform('terraform apply against moto', () => {
  const work = mkdtempSync(join(tmpdir(), 'msk-gitops-apply-'));
  let moto: MotoServer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    moto = await startMoto();
    env = motoTerraformEnvironment(work, mirror as string, moto.endpoint, REGION);
  }, 180_000);

  afterAll(async () => {
    await moto?.stop();
    // MSK_GITOPS_KEEP_APPLY_WORK=true keeps the synthesized stacks, states and terraform.log of each for a look.
    if (process.env.MSK_GITOPS_KEEP_APPLY_WORK === 'true') process.stderr.write(`apply suite files kept in ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  });

  const variants: Array<{ title: string; name: string; config: (moto: MotoServer) => Promise<StackConfigInput> }> = [
    {
      title: 'the default stack (AMI looked up from SSM)',
      name: 'msk-default',
      config: async () => requiredSettings({ name: 'msk-default', region: REGION }),
    },
    {
      title: 'public access on, every option on, AMI pinned',
      name: 'msk-public',
      config: async (server) =>
        requiredSettings({
          name: 'msk-public',
          region: REGION,
          kafka: { instanceType: 'kafka.m5.large', openMonitoring: true, enhancedMonitoring: 'PER_BROKER' },
          publicAccess: { enabled: true, allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] },
          jumper: { amiId: await currentAmi(server), useGitCredentials: true, slackReports: true },
        }),
    },
  ];

  // MSK_GITOPS_APPLY_VARIANTS=msk-public runs one variant while working on it; CI runs both.
  const only = process.env.MSK_GITOPS_APPLY_VARIANTS?.split(',');
  describe.each(variants.filter((variant) => !only || only.includes(variant.name)))('$title', ({ name, config }) => {
    let terraform: ReturnType<typeof terraformIn>;
    let preventDestroy: string[] = [];
    let standIns: string[] = [];

    beforeAll(async () => {
      const { dir, file, tf } = synthStack(join(work, name), name, loadStackConfig(await config(moto)));
      const made = forMoto(tf, moto.endpoint, name, REGION);
      ({ preventDestroy, standIns } = made);
      writeFileSync(file, JSON.stringify(made.tf, null, 2));
      terraform = terraformIn(dir, env);
      await terraform(['init', '-input=false', '-no-color']);
    }, 120_000);

    it('stands in for the MSK resources moto lacks, and lifts prevent_destroy only here', () => {
      expect(standIns.map((address) => address.split('.')[0]).sort()).toEqual([
        'aws_appautoscaling_policy',
        'aws_appautoscaling_target',
        'aws_msk_cluster',
        'aws_msk_configuration',
      ]);
      expect(preventDestroy.map((address) => address.split('.')[0]).sort()).toEqual(
        expect.arrayContaining(['aws_kms_key']),
      );
    });

    it(
      'applies',
      async () => {
        await terraform(['apply', '-input=false', '-auto-approve', '-no-color'], { timeoutMs: STEP_MS });
      },
      STEP_MS + 10_000,
    );

    it(
      'has nothing left to change after the apply, except the named emulator gaps',
      async () => {
        await terraform(['plan', '-input=false', '-no-color', '-out=second.tfplan'], { timeoutMs: STEP_MS });
        const { stdout } = await terraform(['show', '-json', 'second.tfplan']);
        const { gaps, unexpected } = sortSecondPlan(JSON.parse(stdout));
        expect(unexpected).toEqual([]);
        // Logged so a new gap (or one moto fixed) is seen in the run's output.
        console.log(
          `${name}: emulator gaps in the second plan:\n${gaps.map((gap) => `  ${gap.address}: ${gap.gap}`).join('\n')}`,
        );
      },
      STEP_MS + 30_000,
    );

    it(
      'destroys',
      async () => {
        await terraform(['destroy', '-input=false', '-auto-approve', '-no-color'], { timeoutMs: STEP_MS });
        const { stdout } = await terraform(['state', 'list']);
        expect(stdout.trim()).toBe('');
      },
      STEP_MS + 30_000,
    );
  });
});
