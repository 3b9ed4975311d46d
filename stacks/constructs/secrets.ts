/**
 * The reconciler's own secrets. Only the containers are declared: values are put with the AWS CLI (see
 * docs/deploy-aws.md), so no secret value is ever in terraform state. The per-user AmazonMSK_* SCRAM secrets are not here:
 * the reconciler creates, fills and associates them from the manifests, and the jumper's role is granted exactly that.
 */
import { Construct } from 'constructs';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';

export interface ReconcilerSecretsProps {
  name: string;
  kmsKeyArn: string;
  recoveryWindowDays: number;
}

export class ReconcilerSecrets extends Construct {
  /** The Slack incoming-webhook URL, as the whole secret string. */
  readonly slackWebhookUrl: SecretsmanagerSecret;
  /** An HTTPS token (the whole secret string) for a private desired-state repository. */
  readonly gitCredentials: SecretsmanagerSecret;

  constructor(scope: Construct, id: string, props: ReconcilerSecretsProps) {
    super(scope, id);
    const secret = (key: string, description: string) =>
      new SecretsmanagerSecret(this, key, {
        name: `${props.name}/${key}`,
        description,
        kmsKeyId: props.kmsKeyArn,
        recoveryWindowInDays: props.recoveryWindowDays,
      });
    this.slackWebhookUrl = secret('slack-webhook-url', 'msk-gitops: Slack incoming webhook URL for plan reports');
    this.gitCredentials = secret('git-credentials', 'msk-gitops: HTTPS token for the desired-state repository');
  }
}
