/**
 * The CDKTF app: `npm run synth` (or `npx cdktf-cli@0.21.0 synth|deploy`, which runs this through cdktf.json's "app")
 * writes cdktf.out/. Settings come from cdktf.json's context.mskGitops and MSK_GITOPS_* variables (stacks/config.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { loadStackConfig, StackConfigError } from './config';
import { MskGitopsStack } from './stack';

/** The stack's id: the directory under cdktf.out/stacks/ and the name `cdktf deploy` takes. */
export const STACK_ID = 'msk-gitops';

function contextFromCdktfJson(): unknown {
  const file = join(__dirname, '..', 'cdktf.json');
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> };
  return parsed.context?.mskGitops;
}

function main(): void {
  const app = new App();
  // cdktf-cli passes the context it read from cdktf.json to the app; run directly (npm run synth), read it here.
  const context = app.node.tryGetContext('mskGitops') ?? contextFromCdktfJson();
  try {
    new MskGitopsStack(app, STACK_ID, loadStackConfig(context, process.env));
  } catch (error) {
    if (error instanceof StackConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  app.synth();
}

main();
