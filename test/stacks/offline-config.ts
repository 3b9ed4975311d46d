/** Settings for stacks that terraform can plan with no AWS account (offlinePlan) — the tests' only configuration. */
import { loadStackConfig, type StackConfig, type StackConfigInput } from '../../stacks/config';

export const TEST_AMI = 'ami-0123456789abcdef0';

export function offlineConfig(overrides: Partial<StackConfigInput> = {}): StackConfig {
  return loadStackConfig({
    offlinePlan: true,
    ...overrides,
    jumper: { amiId: TEST_AMI, ...overrides.jumper },
  });
}
