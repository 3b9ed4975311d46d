/** The customer-managed key: MSK encryption at rest, the jumper's root volume and every secret of the stack. */
import { Construct } from 'constructs';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';

export interface KeyProps {
  name: string;
}

export class Key extends Construct {
  readonly key: KmsKey;

  constructor(scope: Construct, id: string, props: KeyProps) {
    super(scope, id);
    // No key policy is given on purpose: the default one lets the account's IAM policies grant use of the key, which
    // is how the jumper's role gets it. A custom policy would need the account id, i.e. an AWS call at plan time.
    this.key = new KmsKey(this, 'key', {
      description: `${props.name}: MSK encryption at rest, jumper volume, SCRAM and reconciler secrets`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}`, targetKeyId: this.key.keyId });
  }
}
