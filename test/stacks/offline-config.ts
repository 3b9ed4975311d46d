/** Settings for stacks that terraform can plan with no AWS account (offlinePlan) — the tests' only configuration. */
import { loadStackConfig, type StackConfig, type StackConfigInput } from '../../stacks/config';

export const TEST_AMI = 'ami-0123456789abcdef0';
/** What a deploy must name: a release of the reconciler and the team's own manifests repository. */
export const TEST_RECONCILER_REF = 'v0.1.0';
export const TEST_MANIFESTS_REPO = 'https://github.com/example/kafka-manifests.git';

export type ConfigOverrides = Omit<Partial<StackConfigInput>, 'jumper'> & {
  jumper?: Partial<StackConfigInput['jumper']>;
};

/** The settings every deploy gives, with the overrides; everything else is the default users get. */
export function requiredSettings(overrides: ConfigOverrides = {}): StackConfigInput {
  return {
    ...overrides,
    jumper: { reconcilerRef: TEST_RECONCILER_REF, desiredStateRepo: TEST_MANIFESTS_REPO, ...overrides.jumper },
  };
}

export function offlineConfig(overrides: ConfigOverrides = {}): StackConfig {
  return loadStackConfig(
    requiredSettings({ offlinePlan: true, ...overrides, jumper: { amiId: TEST_AMI, ...overrides.jumper } }),
  );
}
