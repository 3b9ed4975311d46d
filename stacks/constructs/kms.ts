/**
 * The customer-managed key: MSK encryption at rest, the broker log group, the jumper's root volume and every secret of
 * the stack. Losing it loses everything it encrypted, so terraform refuses to destroy it (prevent_destroy).
 */
import { Construct } from 'constructs';
import { Fn, Token } from 'cdktf';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKeyPolicy } from '@cdktf/provider-aws/lib/kms-key-policy';

export interface KeyProps {
  name: string;
  region: string;
  partition: string;
  /** The CloudWatch Logs group encrypted with the key (its name; the ARN is built from the key's own account). */
  logGroupName: string;
}

/**
 * The key policy: AWS's default (the account administers the key, so IAM policies such as the jumper's grant its use),
 * plus CloudWatch Logs, which needs the key policy itself to name it, for the broker log group only.
 */
export function keyPolicy(props: { partition: string; region: string; account: string; logGroupName: string }) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AccountAdministersKeyThroughIam',
        Effect: 'Allow',
        Principal: { AWS: `arn:${props.partition}:iam::${props.account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'CloudWatchLogsEncryptsBrokerLogs',
        Effect: 'Allow',
        Principal: { Service: `logs.${props.region}.amazonaws.com` },
        Action: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:DescribeKey',
        ],
        Resource: '*',
        Condition: {
          ArnEquals: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${props.partition}:logs:${props.region}:${props.account}:log-group:${props.logGroupName}`,
          },
        },
      },
    ],
  };
}

export class Key extends Construct {
  readonly key: KmsKey;
  /** The log group must wait for it: CloudWatch Logs checks the key policy when the group is created. */
  readonly policy: KmsKeyPolicy;

  constructor(scope: Construct, id: string, props: KeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, 'key', {
      description: `${props.name}: MSK encryption at rest, broker logs, jumper volume, SCRAM and reconciler secrets`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
    });
    // The policy is its own resource so the account id comes from the key's ARN: no AWS look-up at plan time.
    const account = Token.asString(Fn.element(Fn.split(':', this.key.arn), 4));
    this.policy = new KmsKeyPolicy(this, 'policy', {
      keyId: this.key.keyId,
      policy: Fn.jsonencode(
        keyPolicy({ partition: props.partition, region: props.region, account, logGroupName: props.logGroupName }),
      ),
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}`, targetKeyId: this.key.keyId });
  }
}
