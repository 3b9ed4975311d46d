/**
 * The plan as a versioned document for machines (`plan --format json`) and for `apply FILE` (`plan --out FILE`):
 * the changes with what they were computed from. Validated against the model's PlanDocumentSchema on the way out,
 * so what leaves is what `msk-gitops schema plan` publishes.
 */
import { PLAN_FORMAT_VERSION, PlanDocumentSchema, type Plan, type PlanDocument } from '../model/schema';
import { fingerprintsDigest, type Fingerprints } from '../plan/fingerprint';
import { countPlan } from './change-line';

export interface PlanInputsForDocument {
  /** The manifests directory as the user typed it. */
  dir: string;
  manifestsDigest: string;
  git: { revision: string; dirty: boolean } | null;
  clusterId: string | null;
  bootstrapServers: string[];
  fingerprints: Fingerprints;
  environment?: string;
}

export function planDocument(plan: Plan, inputs: PlanInputsForDocument): PlanDocument {
  return {
    format_version: PLAN_FORMAT_VERSION,
    inputs: {
      manifests: {
        dir: inputs.dir,
        digest: inputs.manifestsDigest,
        git: inputs.git,
        ...(inputs.environment === undefined ? {} : { environment: inputs.environment }),
      },
      cluster: { id: inputs.clusterId, bootstrap_servers: inputs.bootstrapServers },
      live: { digest: fingerprintsDigest(inputs.fingerprints), resources: inputs.fingerprints },
    },
    summary: countPlan(plan),
    refused: plan.refused,
    changes: plan.changes,
  };
}

export function renderPlanJson(document: PlanDocument): string {
  return `${JSON.stringify(PlanDocumentSchema.parse(document), null, 2)}\n`;
}
