/** Every JSON plan a test produces is checked against the JSON Schema `msk-gitops schema plan` publishes. */
import Ajv from 'ajv';
import { jsonSchemaFor } from '../../reconciler/model/json-schema';

const validate = new Ajv({ allErrors: true }).compile(jsonSchemaFor('plan'));

export function expectValidPlanJson(document: unknown): void {
  if (!validate(document)) {
    throw new Error(`not a valid plan document: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  }
}
