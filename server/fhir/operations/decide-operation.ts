import type { Parameters, Patient, Resource, Task } from '@medplum/fhirtypes';
import { badRequest, conflict } from '../outcomes.ts';
import type { OperationContext } from '../operation-context.ts';
import type { Decision } from '../patient-update-proposal.ts';
import { baseVersion, decisionOutput, isProposal, proposedValues } from '../patient-update-proposal.ts';

/**
 * `POST Task/[id]/$decide` (docs/decisions/0028-patient-updates.md): the practice's staff decide a
 * patient's proposed update field by field. The body is a Parameters resource with one `accept` or
 * `reject` parameter (valueCode: the field) for each proposed field. In one transaction, under the
 * caller's access (only the owning practice's staff may decide: server/access/grants/update-proposal-rule.ts):
 * the Task's new version (status `completed`, or `rejected` when nothing is accepted; one output per
 * field) and, when a field is accepted, the Patient's new version with the accepted values.
 *
 * A field the practice itself changed since the version the patient loaded is never overwritten:
 * accepting it answers 409 naming the field (the practice decides again, knowing both). The
 * values are validated like any Patient the caller writes. Answers the decided Task.
 */
export interface DecideRequest {
  id: string;
  body: Resource;
  onRead?: (resource: Resource) => void;
}

export async function decideOperation(ctx: OperationContext, request: DecideRequest): Promise<Task> {
  const decisions = decisionsOf(request.body);
  return ctx.repo.transaction(async (tx) => {
    const task = await tx.read<Task>('Task', request.id);
    request.onRead?.(task);
    if (!isProposal(task)) throw badRequest('$decide decides a proposed update (Task code patient-update)');
    if (task.status !== 'requested') throw conflict(`This proposal was already decided (${task.status ?? '?'})`);
    const proposed = proposedValues(task);
    for (const field of proposed.keys())
      if (!decisions.has(field)) throw badRequest(`Decide every proposed field: ${field} is missing`);
    for (const field of decisions.keys())
      if (!proposed.has(field)) throw badRequest(`${field} was not proposed`, 'Parameters.parameter');
    const accepted = [...decisions].filter(([, d]) => d === 'accepted').map(([field]) => field);
    if (accepted.length > 0) await applyAccepted(ctx, tx, task, accepted, proposed);
    const decided: Task = {
      ...task,
      status: accepted.length > 0 ? 'completed' : 'rejected',
      lastModified: new Date().toISOString(),
      output: [...decisions].map(([field, decision]) => decisionOutput(field, decision)),
    };
    return (await tx.update(decided)).resource;
  });
}

async function applyAccepted(
  ctx: OperationContext,
  tx: OperationContext['repo'],
  task: Task,
  accepted: string[],
  proposed: Map<string, string>,
): Promise<void> {
  const match = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(task.for?.reference ?? '');
  if (!match?.[1]) throw badRequest('The proposal is not for a Patient record', 'Task.for');
  const current = await tx.read<Patient>('Patient', match[1]);
  const base = baseVersion(task);
  if (base !== undefined && base !== current.meta?.versionId) {
    const loaded = await tx.vread<Patient>('Patient', match[1], base);
    const changed = accepted.filter((f) => JSON.stringify(field(loaded, f)) !== JSON.stringify(field(current, f)));
    if (changed.length > 0)
      throw conflict(
        `The practice changed ${changed.map((f) => `Patient.${f}`).join(', ')} since the patient proposed this: review the record and decide again`,
      );
  }
  const updated: Record<string, unknown> = { ...current };
  for (const f of accepted) {
    const value: unknown = parseValue(proposed.get(f) as string, f);
    if (value === null) delete updated[f];
    else updated[f] = value;
  }
  ctx.validator.validate(updated as unknown as Resource);
  await tx.update(updated as unknown as Patient);
}

function field(patient: Patient, name: string): unknown {
  return (patient as unknown as Record<string, unknown>)[name];
}

function parseValue(json: string, name: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw badRequest(`The proposed ${name} is not JSON`, 'Task.input');
  }
}

function decisionsOf(body: Resource): Map<string, Decision> {
  if (body.resourceType !== 'Parameters') throw badRequest('The body of $decide is a Parameters resource');
  const decisions = new Map<string, Decision>();
  const parameters: unknown = (body as Parameters).parameter;
  if (!Array.isArray(parameters)) throw badRequest('Name each field to accept or reject', 'Parameters.parameter');
  parameters.forEach((p: unknown, i) => {
    const { name, valueCode } = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
    if ((name !== 'accept' && name !== 'reject') || typeof valueCode !== 'string')
      throw badRequest('Each parameter is accept or reject with a valueCode (the field)', `Parameters.parameter[${i}]`);
    if (decisions.has(valueCode)) throw badRequest(`${valueCode} is decided twice`, `Parameters.parameter[${i}]`);
    decisions.set(valueCode, name === 'accept' ? 'accepted' : 'rejected');
  });
  return decisions;
}
