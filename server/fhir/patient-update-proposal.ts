import type { Coding, Task, TaskInput, TaskOutput } from '@medplum/fhirtypes';

/**
 * The shape of a patient's proposed update to a practice's Patient record (docs/decisions/0028-patient-updates.md):
 * a Task with code `patient-update`, `for` the Patient, one `input` per proposed field (type: the
 * field's code in `FIELD_SYSTEM`, valueString: the proposed value as JSON) and one `base-version`
 * input (the record's version the patient loaded); once decided, one `output` per field (valueCode
 * `accepted` or `rejected`). Who may write one is server/access/grants/update-proposal-rule.ts; the
 * staff's `$decide` is operations/decide-operation.ts.
 */
export const PROPOSAL_CODE = {
  system: 'https://patient-portal.example.org/fhir/CodeSystem/portal-task',
  code: 'patient-update',
} as const satisfies Coding;
export const FIELD_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/patient-update-field';
export const BASE_VERSION = 'base-version';
export const DECISIONS = ['accepted', 'rejected'] as const;
export type Decision = (typeof DECISIONS)[number];

export function isProposal(task: Task | undefined): boolean {
  return (task?.code?.coding ?? []).some((c) => c.system === PROPOSAL_CODE.system && c.code === PROPOSAL_CODE.code);
}

/** The field code of an input or output (`base-version` included), if it has one. */
export function fieldCode(part: TaskInput | TaskOutput): string | undefined {
  return (part.type as TaskInput['type'] | undefined)?.coding?.find((c) => c.system === FIELD_SYSTEM)?.code;
}

/** The version of the record the patient loaded, as the proposal names it. */
export function baseVersion(task: Task): string | undefined {
  return (task.input ?? []).find((i) => fieldCode(i) === BASE_VERSION)?.valueString;
}

/** The proposed fields: code → the proposed value's JSON. */
export function proposedValues(task: Task): Map<string, string> {
  const values = new Map<string, string>();
  for (const input of task.input ?? []) {
    const code = fieldCode(input);
    if (code && code !== BASE_VERSION && typeof input.valueString === 'string') values.set(code, input.valueString);
  }
  return values;
}

export function decisionOutput(field: string, decision: Decision): TaskOutput {
  return { type: { coding: [{ system: FIELD_SYSTEM, code: field }] }, valueCode: decision };
}
