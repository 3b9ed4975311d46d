/** What one reconcile (load, connect, observe, plan, apply, verify) ended with: what the reports and the controller read. */
import type { Diagnostic } from '../model/load';
import type { Plan } from '../model/schema';
import type { ChangeResult } from './results';

export type ReconcileStep = 'load' | 'connect' | 'observe' | 'plan' | 'apply' | 'verify';

export interface ReconcileOutcome {
  status: 'in-sync' | 'converged' | 'drift' | 'invalid' | 'refused' | 'failed';
  /** When invalid. */
  diagnostics: Diagnostic[];
  /** What was found before applying. */
  plan: Plan | null;
  /** What was applied. */
  results: ChangeResult[];
  /** The plan re-observed after applying (no ok change of an applied kind is left when converged). */
  remaining: Plan | null;
  error: { step: ReconcileStep; message: string } | null;
  durationMs: number;
}
