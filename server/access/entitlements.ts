import type { Organization, Patient, Person, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { FhirError, outcome } from '../fhir/outcomes.ts';
import type { SearchFilter } from '../fhir/search/search-request.ts';
import type { Repository } from '../storage/repository.ts';
import { ownerOf } from './access-index.ts';
import type { Account } from '../auth/accounts/account.ts';
import type { Principal, TokenGrant } from './principal.ts';
import { familyAccessChangesAt, familyAccessOpen, minorProxyAge } from './grants/family-terms.ts';
import { membershipOf } from './grants/practice-roles.ts';
import type { FindResources } from './grants/practice-roles.ts';
import { earliest, localId } from './grants/record-refs.ts';
import { parseScopes } from '../auth/smart/scopes.ts';
import { practiceSharing } from './record-sharing.ts';
import type { PracticeSharing } from './record-sharing.ts';

/**
 * What a token's user may reach in the data, looked up at each request from the records themselves
 * (so a role ended or a portal link removed takes effect at once, whatever tokens are out):
 *
 * - a practitioner: the practices of their current PractitionerRoles (grants/practice-roles.ts);
 * - a patient: the Patient records their Person links to (a practice links a record when it invites
 *   the patient to the portal) and the practices owning them;
 * - a family member: the patient of her RelatedPerson (the account's own, or those her Person links
 *   to), while its terms hold (grants/family-terms.ts: active, period, a parent's age limit);
 * - a backend client: its own practice (and whether it was registered to manage access).
 *
 * The server's own reads here use the unscoped repository: they decide the scope. request-access.ts
 * caches the answer per process until the access epoch changes (access-epoch.ts lists the writes
 * that change it: these records, the account, the token's client) or `changesAt`, the first instant
 * a term read here (a role's or a family member's period, a minor's proxy age) ends or begins.
 */
export interface EntitlementDeps {
  /** The unscoped repository. */
  repo: Repository;
  findAccount: (id: string) => Promise<Account | undefined>;
  now?: () => Date;
}

const MAX_LINKS = 100;

/** A principal, and the instant (ms since the epoch) a term it was judged by ends or begins, if any. */
export interface Entitlements {
  principal: Principal;
  changesAt?: number | undefined;
}

export async function resolvePrincipal(grant: TokenGrant, deps: EntitlementDeps): Promise<Principal> {
  return (await resolveEntitlements(grant, deps)).principal;
}

export async function resolveEntitlements(grant: TokenGrant, deps: EntitlementDeps): Promise<Entitlements> {
  const scopes = parseScopes(grant.scope);
  const base = { clientId: grant.clientId, scopes, ...(grant.patient ? { launchPatient: grant.patient } : {}) };
  if (!grant.accountId) {
    const practices = grant.clientPractice ? [grant.clientPractice] : [];
    return {
      principal: {
        kind: 'system',
        subject: grant.clientId,
        practices,
        patients: [],
        ...base,
        ...(grant.clientManagesAccess ? { managesAccess: true } : {}),
      },
    };
  }
  const account = await deps.findAccount(grant.accountId);
  if (!account) throw new FhirError(401, outcome('login', 'The account of this token no longer exists'));
  const who = { subject: account.id, fhirUser: account.fhirUser, ...base };
  const [type, id] = account.fhirUser.split('/') as [string, string];
  const now = deps.now?.() ?? new Date();
  const find = finder(deps.repo);
  switch (account.kind) {
    case 'practitioner': {
      const membership = type === 'Practitioner' ? await membershipOf(find, id, now) : undefined;
      const practices = membership?.practices ?? [];
      return {
        principal: {
          kind: 'practitioner',
          ...who,
          practices,
          patients: [],
          sharing: await sharingOf(deps.repo, practices),
        },
        changesAt: membership?.changesAt,
      };
    }
    case 'patient': {
      const records = type === 'Person' ? await linkedPatients(deps.repo, id) : [];
      const practices = owners(records);
      return {
        principal: {
          kind: 'patient',
          ...who,
          patients: records.map((r) => r.id as string),
          practices,
          sharing: await sharingOf(deps.repo, practices),
        },
      };
    }
    case 'related-person': {
      const relatedIds =
        type === 'RelatedPerson' ? [id] : type === 'Person' ? await linkedIds(deps.repo, id, 'RelatedPerson') : [];
      const { records, changesAt } = await familyPatients(deps.repo, relatedIds, now);
      const practices = owners(records);
      return {
        principal: {
          kind: 'related-person',
          ...who,
          patients: records.map((r) => r.id as string),
          practices,
          sharing: await sharingOf(deps.repo, practices),
        },
        changesAt,
      };
    }
  }
}

/** The sharing settings of each practice (record-sharing.ts), read from its Organization. */
async function sharingOf(repo: Repository, practices: string[]): Promise<Record<string, PracticeSharing>> {
  const organizations = await find<Organization>(repo, 'Organization', [{ kind: 'id', ids: practices }]);
  return Object.fromEntries(practices.map((id) => [id, practiceSharing(organizations.find((o) => o.id === id))]));
}

function finder(repo: Repository): FindResources {
  return async (request) => (await repo.search(request)).versions.flatMap((v) => (v.resource ? [v.resource] : []));
}

async function linkedPatients(repo: Repository, personId: string): Promise<Resource[]> {
  return patients(repo, await linkedIds(repo, personId, 'Patient'));
}

/** The ids of the records of `type` an active Person links to. */
async function linkedIds(repo: Repository, personId: string, type: string): Promise<string[]> {
  const person = await readOrUndefined<Person>(repo, 'Person', personId);
  if (!person || person.active === false) return [];
  return unique((person.link ?? []).map((l) => localId(l.target?.reference, type))).slice(0, MAX_LINKS);
}

/**
 * The patients of these RelatedPersons whose family access is open now (family-terms.ts), and the
 * first instant one of those terms changes.
 */
async function familyPatients(
  repo: Repository,
  relatedIds: string[],
  now: Date,
): Promise<{ records: Resource[]; changesAt: number | undefined }> {
  if (relatedIds.length === 0) return { records: [], changesAt: undefined };
  const related = await find<RelatedPerson>(repo, 'RelatedPerson', [{ kind: 'id', ids: relatedIds }]);
  const records = (await patients(
    repo,
    unique(related.map((r) => localId(r.patient?.reference, 'Patient'))),
  )) as Patient[];
  const practices = await find<Organization>(repo, 'Organization', [{ kind: 'id', ids: owners(records) }]);
  const ageLimit = (patient: Patient) => minorProxyAge(practices.find((o) => o.id === ownerOf(patient)));
  const pairs = records.flatMap((patient) =>
    related.filter((r) => localId(r.patient?.reference, 'Patient') === patient.id).map((r) => ({ r, patient })),
  );
  return {
    records: records.filter((patient) =>
      pairs.some((p) => p.patient === patient && familyAccessOpen(p.r, patient, ageLimit(patient), now)),
    ),
    changesAt: earliest(...pairs.map((p) => familyAccessChangesAt(p.r, p.patient, ageLimit(p.patient), now))),
  };
}

async function patients(repo: Repository, ids: string[]): Promise<Resource[]> {
  if (ids.length === 0) return [];
  const found = await find<Resource & { active?: boolean }>(repo, 'Patient', [{ kind: 'id', ids }]);
  return found.filter((p) => p.active !== false);
}

async function find<T extends Resource>(repo: Repository, resourceType: string, filters: SearchFilter[]): Promise<T[]> {
  if (filters.some((f) => f.kind === 'id' && f.ids.length === 0)) return [];
  const page = await repo.search({ resourceType, filters, sort: [], count: MAX_LINKS, total: 'none' });
  return page.versions.map((v) => v.resource as T);
}

async function readOrUndefined<T extends Resource>(repo: Repository, type: string, id: string): Promise<T | undefined> {
  try {
    return await repo.read<T>(type, id);
  } catch (err) {
    if (err instanceof FhirError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}

function owners(records: Resource[]): string[] {
  return unique(records.map((r) => ownerOf(r)));
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}
