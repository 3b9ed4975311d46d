/** The plan as JSON for machines; validated against PlanSchema so what leaves is what the model promises. */
import { PlanSchema, type Plan } from '../model/schema';

export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(PlanSchema.parse(plan), null, 2)}\n`;
}
