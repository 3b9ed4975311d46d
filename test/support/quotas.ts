/** Client quotas a suite created, removed when it is done: suites share one broker, and a quota outlives its test. */
import type { Kafka } from 'kafkajs';
import { QUOTA_KEYS } from '../../reconciler/model/schema';
import { KafkaQuotasAdmin } from '../../reconciler/users/kafka-quotas';

/** Removes every quota whose user or client id starts with `prefix`, in one AlterClientQuotas. */
export async function removeQuotas(kafka: Kafka, prefix: string): Promise<void> {
  const quotas = new KafkaQuotasAdmin(kafka);
  try {
    const mine = ((await quotas.describe()) ?? []).filter(
      (quota) => quota.user?.startsWith(prefix) || quota.clientId?.startsWith(prefix),
    );
    const answers = await quotas.applyAlterations(
      mine.map((quota) => ({
        entity: {
          ...(quota.user !== undefined ? { user: quota.user } : {}),
          ...(quota.clientId !== undefined ? { clientId: quota.clientId } : {}),
        },
        set: {},
        remove: QUOTA_KEYS.filter((key) => quota.values[key] !== undefined),
      })),
    );
    const failed = answers.filter((answer) => answer.error !== null);
    if (failed.length) throw new Error(`removing the suite's quotas failed: ${JSON.stringify(failed)}`);
  } finally {
    await quotas.disconnect();
  }
}
