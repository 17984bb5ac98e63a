import type { Parameters, ParametersParameter, Patient, Person, Reference, Resource, Task } from '@medplum/fhirtypes';
import { FhirError, badRequest, conflict, forbidden, outcome } from '../outcomes.ts';
import type { OperationContext } from '../operation-context.ts';
import { BASE_VERSION, FIELD_SYSTEM, PROPOSAL_CODE } from '../patient-update-proposal.ts';
import type { ProfileUpdate } from '../../storage/access-scope.ts';
import type { Repository } from '../../storage/repository.ts';
import type { ProfileField } from './profile-changes.ts';
import { changedFields, fieldOf, sameValue, withChanges } from './profile-changes.ts';

/**
 * `POST Person/[id]/$update-profile` (issue #13 "One edit, every practice", decision 0028): the
 * patient saves their own profile (their account's Person) and the same *change* goes to every
 * practice that holds their record, each by its `patient-updates` setting, in one transaction under
 * the caller's access (any unexpected error: nothing stored):
 *
 * 1. the Person's new version (whatever the practices' settings; 409 when the stored Person has
 *    moved on since the version the portal loaded; its kept fields are the Person rule's, 403);
 * 2. for each Patient record the Person links to: `conflict` when the practice changed a changed
 *    field since the version the portal loaded (nothing written there), else by the setting:
 *    `disabled` → `not-sent`; `automatic` and `notify` → the record updated (`notify`: with the inbox
 *    mark, set by the access layer's ordinary write checks) → `updated`; `review` → a
 *    `patient-update` Task, one input per changed field → `proposed`; nothing changed → `unchanged`.
 *
 * Who may is the access layer's (`AccessScope.profileUpdate`: only that Person's own account); every
 * write passes the ordinary checks, so the operation can do nothing the equivalent individual writes
 * could not. Answers a Parameters: `profile` (the Person as stored) and one `result` per record.
 */
export interface UpdateProfileRequest {
  id: string;
  body: Resource;
  onRead?: (resource: Resource) => void;
}

export type ProfileResultStatus = 'updated' | 'not-sent' | 'proposed' | 'conflict' | 'unchanged';

interface RecordResult {
  patient: Reference;
  organization?: Reference;
  mode: ReturnType<ProfileUpdate['modeOf']>;
  status: ProfileResultStatus;
  task?: string;
  fields: ProfileField[];
}

interface Input {
  profile: Person;
  version: string;
  /** Patient id → the version the portal loaded (undefined: none named). */
  loaded: Map<string, string | undefined>;
}

const PROFILE = 'Parameters.parameter[profile]';
const RECORD = 'Parameters.parameter[record]';
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export async function updateProfileOperation(
  ctx: OperationContext,
  request: UpdateProfileRequest,
): Promise<Parameters> {
  const access = ctx.scope?.profileUpdate?.(request.id);
  if (!access) throw forbidden('$update-profile needs the signed-in patient whose profile it is');
  const input = inputOf(request.body, request.id);
  return ctx.repo.transaction(async (tx) => {
    const stored = await tx.read<Person>('Person', request.id);
    request.onRead?.(stored);
    if (stored.meta?.versionId !== input.version)
      throw conflict(
        `Your profile changed since you loaded it (version ${input.version}; now ${stored.meta?.versionId ?? '?'}): load it again and redo your change`,
      );
    const linked = linkedRecords(stored);
    for (const id of input.loaded.keys())
      if (!linked.includes(id))
        throw new FhirError(
          403,
          outcome('forbidden', `Patient/${id} is not a record of yours`, `${RECORD}.part[patient]`),
        );
    const changes = changedFields(stored, input.profile);
    // The repository stamps the new version (meta.versionId names the one loaded, checked above).
    const written = (await tx.update<Person>({ ...input.profile, id: request.id })).resource;
    const results: RecordResult[] = [];
    for (const id of linked) {
      const result = await toPractice(tx, access, id, input.loaded.get(id), changes);
      if (result) results.push(result);
    }
    return outputOf(written, results);
  });
}

/** The Patient records the Person links to (its `link.target`s of type Patient), once each. */
function linkedRecords(person: Person): string[] {
  const ids = (person.link ?? []).flatMap(
    (l) => /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(l.target?.reference ?? '')?.[1] ?? [],
  );
  return [...new Set(ids)];
}

/** One practice's record, by its setting; undefined when the record is gone or out of the caller's reach. */
async function toPractice(
  tx: Repository,
  access: ProfileUpdate,
  id: string,
  loadedVersion: string | undefined,
  changes: Map<ProfileField, unknown>,
): Promise<RecordResult | undefined> {
  const patient = await readIfThere<Patient>(tx, 'Patient', id);
  if (!patient) return undefined;
  const practiceId = access.ownerOf(patient);
  const practice = practiceId ? await readIfThere(tx, 'Organization', practiceId) : undefined;
  const mode = access.modeOf(practice);
  const display = (practice as { name?: unknown } | undefined)?.name;
  const result = (status: ProfileResultStatus, fields: ProfileField[], task?: string): RecordResult => ({
    patient: { reference: `Patient/${id}`, ...(typeof display === 'string' ? { display } : {}) },
    ...(practiceId
      ? {
          organization: {
            reference: `Organization/${practiceId}`,
            ...(typeof display === 'string' ? { display } : {}),
          },
        }
      : {}),
    mode,
    status,
    ...(task ? { task } : {}),
    fields,
  });
  const fields = [...changes.keys()];
  if (fields.length === 0) return result('unchanged', []);
  const current = patient.meta?.versionId;
  if (loadedVersion !== undefined && loadedVersion !== current) {
    const loaded = await loadedRecord(tx, id, loadedVersion);
    const conflicting = fields.filter((f) => !sameValue(fieldOf(loaded, f), fieldOf(patient, f)));
    if (conflicting.length) return result('conflict', conflicting);
  }
  if (mode === 'disabled') return result('not-sent', fields);
  if (mode === 'review') {
    const task = (await tx.create<Task>(proposalFor(id, current ?? '', changes))).resource;
    return result('proposed', fields, `Task/${task.id ?? ''}`);
  }
  // automatic, notify: the ordinary write checks apply the setting again and set notify's inbox mark.
  await tx.update(withChanges(patient, changes), { ifMatch: current });
  return result('updated', fields);
}

async function readIfThere<T extends Resource>(tx: Repository, type: string, id: string): Promise<T | undefined> {
  try {
    return await tx.read<T>(type, id);
  } catch (err) {
    if (err instanceof FhirError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}

async function loadedRecord(tx: Repository, id: string, version: string): Promise<Patient> {
  try {
    return await tx.vread<Patient>('Patient', id, version);
  } catch (err) {
    if (err instanceof FhirError && err.status === 404)
      throw badRequest(`Patient/${id} has no version ${version}`, `${RECORD}.part[version]`);
    throw err;
  }
}

/** A review practice's proposal (fhir/patient-update-proposal.ts): one input per changed field. */
function proposalFor(id: string, baseVersion: string, changes: Map<ProfileField, unknown>): Task {
  const input = (code: string, valueString: string) => ({
    type: { coding: [{ system: FIELD_SYSTEM, code }] },
    valueString,
  });
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'proposal',
    code: { coding: [PROPOSAL_CODE] },
    for: { reference: `Patient/${id}` },
    authoredOn: new Date().toISOString(),
    input: [
      input(BASE_VERSION, baseVersion),
      ...[...changes].map(([field, value]) => input(field, JSON.stringify(value ?? null))),
    ],
  };
}

function outputOf(profile: Person, results: RecordResult[]): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'profile', resource: profile },
      ...results.map((r): ParametersParameter => ({
        name: 'result',
        part: [
          { name: 'patient', valueReference: r.patient },
          ...(r.organization ? [{ name: 'organization', valueReference: r.organization }] : []),
          { name: 'mode', valueCode: r.mode },
          { name: 'status', valueCode: r.status },
          ...(r.task ? [{ name: 'task', valueReference: { reference: r.task } }] : []),
          ...r.fields.map((f) => ({ name: 'field', valueCode: f })),
        ],
      })),
    ],
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request's Parameters: one `profile` (a Person with the version loaded), `record`s (patient, version). */
function inputOf(body: Resource, id: string): Input {
  if (body.resourceType !== 'Parameters') throw badRequest('The body of $update-profile is a Parameters resource');
  const parameters: unknown = (body as Parameters).parameter;
  if (!Array.isArray(parameters))
    throw badRequest('Name the profile (and the records you loaded)', 'Parameters.parameter');
  let profile: Person | undefined;
  const loaded = new Map<string, string | undefined>();
  parameters.forEach((p: unknown, i) => {
    const name = isObject(p) ? p.name : undefined;
    if (name === 'profile' && isObject(p)) {
      if (profile) throw badRequest('One profile', `Parameters.parameter[${i}]`);
      profile = profileOf(p.resource, id);
    } else if (name === 'record' && isObject(p)) {
      const [patient, version] = recordOf(p.part);
      if (loaded.has(patient)) throw badRequest(`Patient/${patient} is named twice`, `${RECORD}.part[patient]`);
      loaded.set(patient, version);
    } else throw badRequest('Each parameter is profile or record', `Parameters.parameter[${i}]`);
  });
  if (!profile) throw badRequest('The profile (a Person) is required', PROFILE);
  const version = profile.meta?.versionId;
  if (typeof version !== 'string' || !ID.test(version))
    throw badRequest(
      'Name the version of your profile you loaded (meta.versionId)',
      `${PROFILE}.resource.meta.versionId`,
    );
  return { profile, version, loaded };
}

function profileOf(resource: unknown, id: string): Person {
  if (!isObject(resource) || resource.resourceType !== 'Person')
    throw badRequest('The profile is a Person resource', `${PROFILE}.resource`);
  if (resource.id !== undefined && resource.id !== id)
    throw badRequest(`The profile is Person/${id}`, `${PROFILE}.resource.id`);
  if (resource.meta !== undefined && !isObject(resource.meta))
    throw badRequest('meta is an object', `${PROFILE}.resource.meta`);
  return resource as unknown as Person;
}

function recordOf(parts: unknown): [string, string | undefined] {
  const list = Array.isArray(parts) ? (parts as unknown[]) : [];
  const part = (name: string) =>
    list.find((p) => isObject(p) && p.name === name) as Record<string, unknown> | undefined;
  if (list.some((p) => !isObject(p) || (p.name !== 'patient' && p.name !== 'version')))
    throw badRequest('A record has the parts patient and version', `${RECORD}.part`);
  const reference: unknown = part('patient')?.valueReference;
  const ref: unknown = isObject(reference) ? reference.reference : undefined;
  if (typeof ref !== 'string')
    throw badRequest('A record names its Patient (valueReference)', `${RECORD}.part[patient]`);
  const id = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref)?.[1];
  if (!id)
    throw new FhirError(
      403,
      outcome('forbidden', `${ref.slice(0, 80)} is not a record of yours`, `${RECORD}.part[patient]`),
    );
  const version = part('version');
  if (version === undefined) return [id, undefined];
  const value: unknown = version.valueId;
  if (typeof value !== 'string' || !ID.test(value))
    throw badRequest('The version of a record is a valueId', `${RECORD}.part[version]`);
  return [id, value];
}
