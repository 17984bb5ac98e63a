import type { Patient, Task, TaskInput, TaskOutput } from '@medplum/fhirtypes';
import { FhirError, conflict, forbidden, outcome, unprocessable } from '../../fhir/outcomes.ts';
import { ownerOf } from '../access-index.ts';
import { PATIENT_FIELDS, isPatientSide, practiceUpdateMode } from '../patient-updates.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { localId, sameJson } from './record-refs.ts';
import {
  BASE_VERSION,
  DECISIONS,
  FIELD_SYSTEM,
  PROPOSAL_CODE,
  baseVersion,
  fieldCode,
  isProposal,
} from '../../fhir/patient-update-proposal.ts';

/**
 * A proposed change to a practice's Patient record, for a practice whose `patient-updates` setting
 * is `review` (docs/decisions/0028-patient-updates.md): a Task with code `patient-update`, `for` the
 * practice's Patient, one `input` per field (type: the field's code in `FIELD_SYSTEM`, valueString:
 * the proposed value as JSON) and one `base-version` input (the record's version the patient
 * loaded). Staff decide it field by field: `output` per field (valueCode `accepted` or `rejected`)
 * and status `completed` (or `rejected` when nothing is taken); the patient reads the status.
 *
 * Only the patient side creates proposals (for a record they reach: the compartment check), for the
 * version now stored (else 409: the practice changed the record since); only the owning practice's
 * staff (practitioners, its backend clients) decide them, never changing what was proposed; a patient
 * never changes or deletes one once sent. Other Tasks (another code) are not this rule's.
 */
export { BASE_VERSION, FIELD_SYSTEM, PROPOSAL_CODE };

export async function checkUpdateProposal(change: GrantChange<Task>, ctx: GrantContext): Promise<void> {
  const { before, after } = change;
  if (!isProposal(before) && !isProposal(after)) return;
  if (before && after && !isProposal(after)) throw forbidden('A proposed update stays a proposed update');
  if (isPatientSide(ctx.principal)) {
    if (before) throw forbidden('A proposed update, once sent, is for your practice to decide');
    return checkProposal(after as Task, ctx);
  }
  if (!before) throw forbidden('Only the patient proposes updates to their record');
  if (!after) return; // Staff may withdraw a proposal of their practice (their delete rule selected it).
  return checkDecision(before, after);
}

async function checkProposal(task: Task, ctx: GrantContext): Promise<void> {
  if (task.status !== 'requested' || task.intent !== 'proposal')
    throw unprocessable('A proposed update has status requested and intent proposal', 'Task.status');
  if (task.output?.length)
    throw new FhirError(403, outcome('forbidden', 'Only the practice decides a proposed update', 'Task.output'));
  const patientId = localId(task.for?.reference, 'Patient');
  if (!patientId) throw unprocessable('A proposed update is for a Patient record (Task.for)', 'Task.for');
  const [patient] = (await ctx.find({
    resourceType: 'Patient',
    filters: [{ kind: 'id', ids: [patientId] }],
    sort: [],
    count: 1,
    total: 'none',
  })) as Patient[];
  const practice = ownerOf(patient);
  if (!patient || !practice) throw forbidden('The resource refers to a patient record you cannot access');
  fieldsOf(task.input ?? []);
  const base = baseVersion(task);
  if (base === undefined) throw unprocessable('Name the version of the record you loaded (input base-version)');
  if (base !== patient.meta?.versionId)
    throw conflict(
      `Your practice changed this record since you loaded it (version ${base}; now ${patient.meta?.versionId ?? '?'}): load it again and redo your change`,
    );
  if ((await practiceUpdateMode(ctx.find, practice)) !== 'review')
    throw unprocessable('This practice does not review changes: update the Patient record itself');
}

/** The proposed fields by code; refuses a field the patient may not change, with its path. */
function fieldsOf(inputs: TaskInput[]): string[] {
  const fields: string[] = [];
  inputs.forEach((input, i) => {
    const code = fieldCode(input);
    if (code === BASE_VERSION) return;
    if (!(PATIENT_FIELDS as readonly string[]).includes(code ?? ''))
      throw new FhirError(
        403,
        outcome('forbidden', `Patient.${code ?? '?'} is not a field you may change`, `Task.input[${i}]`),
      );
    if (typeof input.valueString !== 'string')
      throw unprocessable('A proposed field value is JSON in valueString', `Task.input[${i}].valueString`);
    fields.push(code as string);
  });
  if (fields.length === 0) throw unprocessable('A proposed update changes at least one field', 'Task.input');
  return fields;
}

function checkDecision(before: Task, after: Task): void {
  for (const field of ['input', 'for', 'code', 'intent', 'authoredOn', 'requester'] as const) {
    if (!sameJson(before[field], after[field]))
      throw forbidden(`Task.${field}: what the patient proposed stays as sent`);
  }
  const proposed = fieldsOf(before.input ?? []);
  (after.output ?? []).forEach((output: TaskOutput, i) => {
    const code = fieldCode(output);
    if (!code || !proposed.includes(code))
      throw unprocessable('A decision names a proposed field', `Task.output[${i}].type`);
    if (!(DECISIONS as readonly string[]).includes(output.valueCode ?? ''))
      throw unprocessable('A decision is accepted or rejected', `Task.output[${i}].valueCode`);
  });
}
