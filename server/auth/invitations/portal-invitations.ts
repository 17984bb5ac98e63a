import { createHash, randomBytes } from 'node:crypto';
import type { Organization, Patient, Person, Task } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { FhirError, forbidden, notFound, tooManyRequests, unprocessable } from '../../fhir/outcomes.ts';
import type { InvitationRequest, PortalInvitations } from '../../fhir/operations/invite-operation.ts';
import { parseSearch } from '../../fhir/search/parse-search.ts';
import { OWNER_SYSTEM, ownerOf } from '../../access/access-index.ts';
import { INVITATION_CODE, invitesFor, PORTAL_TASKS_SYSTEM } from '../../access/grants/invitation-rule.ts';
import { invitationsEnabled } from '../../access/practice-settings.ts';
import type { Principal } from '../../access/principal.ts';
import type { Mailer } from '../../mail/mailer.ts';
import type { Clock, KeyValueStore } from '../../storage/key-value-store.ts';
import type { Repository } from '../../storage/repository.ts';
import { invitationMail } from './invitation-mail.ts';

/**
 * The portal invitation workflow (decision 0029): `$invite` / `$uninvite` for staff, and what the
 * acceptance pages (invitation-routes.ts) ask of a link's token.
 *
 * - The invitation is a FHIR `Task` (code `portal-invitation`, `for` the Patient, `owner` and owner
 *   tag the practice, `restriction.period.end` the expiry, `status` requested → completed /
 *   cancelled, `businessStatus` sent → opened). It holds nothing secret.
 * - The link's token is 32 random bytes; only its SHA-256 is kept, in the key-value store (namespace
 *   `portal-invitation`, expiring with the invitation), never on the Task: staff and apps read
 *   Tasks, and a hash on a readable resource would hand a guessable-offline target to all of them.
 * - The Task decides whether a token is still good: requested, not past its end, its Patient and
 *   practice unchanged, invitations still enabled. Resend and revoke only change the Task.
 * - Invitation flood: at most `perPatientPerDay` e-mails per patient and `perPracticePerHour` per
 *   practice (429).
 * - Everything is written on the server's own repository: the invitation grant rule refuses every
 *   write of these Tasks through the API (access/grants/invitation-rule.ts).
 */
export const INVITATION_NAMESPACE = 'portal-invitation';
export const INVITATION_SENT_NAMESPACE = 'portal-invitation-sent';
export const BUSINESS_STATUS_SYSTEM = PORTAL_TASKS_SYSTEM;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface PortalInvitationDeps {
  /** The unscoped repository. */
  repo: Repository;
  keyValue: KeyValueStore;
  mailer: Mailer;
  /** The acceptance page the e-mail links to: `${BASE_URL}/auth/invitation`. */
  acceptUrl: string;
  fhirBaseUrl: string;
  clock?: Clock;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long a link works (default 14 days). */
  ttlDays?: number;
  perPatientPerDay?: number;
  perPracticePerHour?: number;
}

/** A link's invitation while it can still be accepted. */
export interface OpenInvitation {
  task: Task;
  patient: Patient;
  practice: Organization;
  email: string;
}

export class PortalInvitationService implements PortalInvitations {
  readonly #deps: Required<Omit<PortalInvitationDeps, 'logger'>> & Pick<PortalInvitationDeps, 'logger'>;

  constructor(deps: PortalInvitationDeps) {
    this.#deps = { clock: Date.now, ttlDays: 14, perPatientPerDay: 5, perPracticePerHour: 200, ...deps };
  }

  async invite(request: InvitationRequest): Promise<Task> {
    const { patient, practiceId } = await this.#staffCheck(request);
    const practice = await this.#deps.repo.read<Organization>('Organization', practiceId);
    if (!invitationsEnabled(practice))
      throw unprocessable(
        'This practice has not enabled patient invitations (console: Settings, Patient portal and clinical sharing)',
      );
    const email = emailOf(patient);
    if (!email)
      throw unprocessable('The patient has no e-mail address (Patient.telecom with system email)', 'Patient.telecom');
    await this.#countMail(
      `patient:${patientKey(practiceId, patient.id as string)}`,
      this.#deps.perPatientPerDay,
      DAY_MS,
    );
    await this.#countMail(`practice:${practiceId}`, this.#deps.perPracticePerHour, HOUR_MS);
    const now = this.#deps.clock();
    const expires = now + this.#deps.ttlDays * DAY_MS;
    const token = randomBytes(32).toString('base64url');
    const task = await this.#deps.repo.transaction(async (tx) => {
      for (const pending of await pendingInvitations(tx, patient.id as string, this.#deps.fhirBaseUrl))
        await tx.update(cancelled(pending));
      return (await tx.create(newTask(patient, practiceId, email, request.caller as Principal, now, expires))).resource;
    });
    await this.#deps.keyValue.upsert(
      INVITATION_NAMESPACE,
      tokenHash(token),
      { taskId: task.id as string },
      Math.ceil((expires - now) / 1000),
    );
    await this.#deps.mailer.send({
      to: email,
      subject: `${practice.name ?? 'Your practice'} invites you to the patient portal`,
      text: invitationMail(`${this.#deps.acceptUrl}?token=${token}`, practice.name, this.#deps.ttlDays),
    });
    this.#deps.logger?.info({ event: 'portal-invitation-sent', taskId: task.id }, 'portal invitation sent');
    return task;
  }

  async uninvite(request: InvitationRequest): Promise<Task> {
    const { patient } = await this.#staffCheck(request);
    const pending = await pendingInvitations(this.#deps.repo, patient.id as string, this.#deps.fhirBaseUrl);
    if (pending.length === 0) throw notFound('This patient has no pending portal invitation');
    let last: Task | undefined;
    await this.#deps.repo.transaction(async (tx) => {
      for (const task of pending) last = (await tx.update(cancelled(task))).resource;
    });
    return last as Task;
  }

  /**
   * The invitation a link's token opens, while it can be accepted; undefined otherwise (malformed,
   * unknown, spent, expired, revoked or resent, the patient moved or invitations switched off): the
   * pages answer all of these alike. With `markOpened`, a `sent` invitation becomes `opened`.
   */
  async open(token: unknown, markOpened = false): Promise<OpenInvitation | undefined> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return undefined;
    const stored = await this.#deps.keyValue.find(INVITATION_NAMESPACE, tokenHash(token));
    const taskId = stored?.payload.taskId;
    if (!stored || stored.consumedAt !== undefined || typeof taskId !== 'string') return undefined;
    const task = await readOrUndefined<Task>(this.#deps.repo, 'Task', taskId);
    if (!task || task.status !== 'requested' || expiredAt(task) <= this.#deps.clock()) return undefined;
    const practiceId = ownerOf(task);
    const patientId = localPatient(task);
    const patient = patientId ? await readOrUndefined<Patient>(this.#deps.repo, 'Patient', patientId) : undefined;
    if (!patient || !practiceId || ownerOf(patient) !== practiceId || patient.active === false) return undefined;
    const practice = await readOrUndefined<Organization>(this.#deps.repo, 'Organization', practiceId);
    if (!practice || !invitationsEnabled(practice)) return undefined;
    const email = task.input?.find((i) => i.type?.text === 'email')?.valueString;
    if (!email) return undefined;
    if (markOpened && businessStatusOf(task) === 'sent') {
      await this.#deps.repo.update<Task>({ ...task, businessStatus: businessStatus('opened') });
    }
    return { task, patient, practice, email };
  }

  /**
   * Accepts the invitation for the account behind `personId` (a patient account's Person): spends
   * the token (exactly one request can), links the practice's Patient to the Person and completes the
   * Task, in one transaction. False when the token was no longer good.
   */
  async accept(token: string, personId: string): Promise<boolean> {
    const open = await this.open(token);
    if (!open) return false;
    if (!(await this.#deps.keyValue.consume(INVITATION_NAMESPACE, tokenHash(token)))) return false;
    const target = `Patient/${open.patient.id as string}`;
    const accepted = await this.#deps.repo.transaction(async (tx) => {
      // Revoked or resent since it was read: the link is spent and nothing else changes.
      const task = await tx.read<Task>('Task', open.task.id as string);
      if (task.status !== 'requested') return false;
      const person = await tx.read<Person>('Person', personId);
      if (!(person.link ?? []).some((l) => l.target?.reference === target))
        await tx.update<Person>({
          ...person,
          link: [...(person.link ?? []), { target: { reference: target }, assurance: 'level3' }],
        });
      await tx.update<Task>({
        ...task,
        status: 'completed',
        businessStatus: businessStatus('accepted'),
        lastModified: new Date(this.#deps.clock()).toISOString(),
      });
      return true;
    });
    if (!accepted) return false;
    this.#deps.logger?.info(
      { event: 'portal-invitation-accepted', taskId: open.task.id },
      'portal invitation accepted',
    );
    return true;
  }

  /** The caller's Patient (visible to them) and its practice, when the caller acts for that practice. */
  async #staffCheck(request: InvitationRequest): Promise<{ patient: Patient; practiceId: string }> {
    const principal = request.caller as Principal | undefined;
    if (!principal) throw forbidden('Inviting patients needs a signed-in member of the practice');
    const patient = await request.repo.read<Patient>('Patient', request.patientId);
    request.onRead?.(patient);
    const practiceId = ownerOf(patient);
    if (!practiceId || !invitesFor(principal, practiceId) || !mayWriteTasks(principal))
      throw forbidden("Only the patient's practice invites them to the portal");
    return { patient, practiceId };
  }

  /** Counts one e-mail against `key`'s allowance over `windowMs`; 429 once it is used up. */
  async #countMail(key: string, max: number, windowMs: number): Promise<void> {
    const { keyValue, clock } = this.#deps;
    const now = clock();
    const stored = await keyValue.find(INVITATION_SENT_NAMESPACE, key);
    const sent = (Array.isArray(stored?.payload.sent) ? stored.payload.sent : []).filter(
      (t): t is number => typeof t === 'number' && t > now - windowMs,
    );
    if (sent.length >= max)
      throw tooManyRequests(
        'Too many portal invitations sent: try again later',
        ((sent[0] as number) + windowMs - now) / 1000,
      );
    await keyValue.upsert(INVITATION_SENT_NAMESPACE, key, { sent: [...sent, now] }, windowMs / 1000);
  }
}

/** An app acting for staff must hold a scope that writes Tasks (`user/Task.c`, `user/*.cruds`, `system/…`). */
function mayWriteTasks(principal: Principal): boolean {
  return principal.scopes.some(
    (s) =>
      s.context !== 'patient' && (s.resourceType === 'Task' || s.resourceType === '*') && s.interactions.includes('c'),
  );
}

function patientKey(practiceId: string, patientId: string): string {
  return `${practiceId}/${patientId}`;
}

export function emailOf(patient: Patient): string | undefined {
  const value = patient.telecom?.find((t) => t.system === 'email' && t.value && !t.period?.end)?.value;
  return value?.trim().toLowerCase() || undefined;
}

function newTask(
  patient: Patient,
  practiceId: string,
  email: string,
  caller: Principal,
  now: number,
  expires: number,
): Task {
  const requester = caller.fhirUser?.startsWith('Practitioner/') ? caller.fhirUser : `Organization/${practiceId}`;
  return {
    resourceType: 'Task',
    meta: { tag: [{ system: OWNER_SYSTEM, code: practiceId }] },
    status: 'requested',
    intent: 'proposal',
    code: { coding: [{ system: PORTAL_TASKS_SYSTEM, code: INVITATION_CODE, display: 'Portal invitation' }] },
    businessStatus: businessStatus('sent'),
    for: { reference: `Patient/${patient.id as string}` },
    owner: { reference: `Organization/${practiceId}` },
    requester: { reference: requester },
    authoredOn: new Date(now).toISOString(),
    lastModified: new Date(now).toISOString(),
    restriction: { period: { end: new Date(expires).toISOString() } },
    input: [{ type: { text: 'email' }, valueString: email }],
  };
}

function cancelled(task: Task): Task {
  return { ...task, status: 'cancelled', businessStatus: businessStatus('revoked') };
}

function businessStatus(code: 'sent' | 'opened' | 'accepted' | 'revoked') {
  return { coding: [{ system: BUSINESS_STATUS_SYSTEM, code }] };
}

function businessStatusOf(task: Task): string | undefined {
  return task.businessStatus?.coding?.find((c) => c.system === BUSINESS_STATUS_SYSTEM)?.code;
}

function expiredAt(task: Task): number {
  const end = Date.parse(task.restriction?.period?.end ?? '');
  return Number.isNaN(end) ? 0 : end;
}

function localPatient(task: Task): string | undefined {
  const match = /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(task.for?.reference ?? '');
  return match?.[1];
}

async function pendingInvitations(repo: Repository, patientId: string, baseUrl: string): Promise<Task[]> {
  const { request } = parseSearch(
    'Task',
    { code: `${PORTAL_TASKS_SYSTEM}|${INVITATION_CODE}`, subject: `Patient/${patientId}`, status: 'requested' },
    { defaultCount: 50, maxCount: 50, maxOrValues: 10, baseUrl, strict: true },
  );
  return (await repo.search(request)).versions.map((v) => v.resource as Task);
}

async function readOrUndefined<T extends Task | Patient | Organization>(
  repo: Repository,
  type: string,
  id: string,
): Promise<T | undefined> {
  try {
    return await repo.read<T>(type, id);
  } catch (err) {
    if (err instanceof FhirError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}

/** Only the hash is stored; base64url keeps the key short and printable. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
