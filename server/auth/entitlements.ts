import type { Person, PractitionerRole, RelatedPerson, Resource } from '@medplum/fhirtypes';
import { FhirError, outcome } from '../fhir/outcomes.ts';
import type { SearchFilter } from '../fhir/search/search-request.ts';
import type { Repository } from '../storage/repository.ts';
import { ownerOf } from './access-index.ts';
import type { Account } from './accounts/account.ts';
import type { Principal, TokenGrant } from './principal.ts';
import { parseScopes } from './smart/scopes.ts';

/**
 * What a token's user may reach in the data, looked up at each request from the records themselves
 * (so a role ended or a portal link removed takes effect at once, whatever tokens are out):
 *
 * - a practitioner: the practices of their active PractitionerRoles;
 * - a patient: the Patient records their Person links to (a practice links a record when it invites
 *   the patient to the portal) and the practices owning them;
 * - a family member (RelatedPerson): the patient it relates to;
 * - a backend client: its own practice.
 *
 * The server's own reads here use the unscoped repository: they decide the scope.
 */
export interface EntitlementDeps {
  /** The unscoped repository. */
  repo: Repository;
  findAccount: (id: string) => Promise<Account | undefined>;
}

const MAX_LINKS = 100;

export async function resolvePrincipal(grant: TokenGrant, deps: EntitlementDeps): Promise<Principal> {
  const scopes = parseScopes(grant.scope);
  const base = { clientId: grant.clientId, scopes, ...(grant.patient ? { launchPatient: grant.patient } : {}) };
  if (!grant.accountId) {
    return { kind: 'system', subject: grant.clientId, practices: grant.clientPractice ? [grant.clientPractice] : [], patients: [], ...base };
  }
  const account = await deps.findAccount(grant.accountId);
  if (!account) throw new FhirError(401, outcome('login', 'The account of this token no longer exists'));
  const who = { subject: account.id, fhirUser: account.fhirUser, ...base };
  const [type, id] = account.fhirUser.split('/') as [string, string];
  switch (account.kind) {
    case 'practitioner':
      return { kind: 'practitioner', ...who, practices: type === 'Practitioner' ? await practicesOf(deps.repo, id) : [], patients: [] };
    case 'patient': {
      const records = type === 'Person' ? await linkedPatients(deps.repo, id) : [];
      return { kind: 'patient', ...who, patients: records.map((r) => r.id as string), practices: owners(records) };
    }
    case 'related-person': {
      const records = type === 'RelatedPerson' ? await relatedPatients(deps.repo, id) : type === 'Person' ? await linkedPatients(deps.repo, id) : [];
      return { kind: 'related-person', ...who, patients: records.map((r) => r.id as string), practices: owners(records) };
    }
  }
}

async function practicesOf(repo: Repository, practitionerId: string): Promise<string[]> {
  const roles = await find<PractitionerRole>(repo, 'PractitionerRole', [{ kind: 'reference', param: 'practitioner', any: [{ target: `Practitioner/${practitionerId}` }] }]);
  const practices = roles.filter((r) => r.active !== false).map((r) => localId(r.organization?.reference, 'Organization'));
  return unique(practices);
}

async function linkedPatients(repo: Repository, personId: string): Promise<Resource[]> {
  const person = await readOrUndefined<Person>(repo, 'Person', personId);
  if (!person || person.active === false) return [];
  const ids = unique((person.link ?? []).map((l) => localId(l.target?.reference, 'Patient'))).slice(0, MAX_LINKS);
  return patients(repo, ids);
}

async function relatedPatients(repo: Repository, relatedPersonId: string): Promise<Resource[]> {
  const related = await readOrUndefined<RelatedPerson>(repo, 'RelatedPerson', relatedPersonId);
  if (!related || related.active === false) return [];
  return patients(repo, unique([localId(related.patient?.reference, 'Patient')]));
}

async function patients(repo: Repository, ids: string[]): Promise<Resource[]> {
  if (ids.length === 0) return [];
  const found = await find<Resource & { active?: boolean }>(repo, 'Patient', [{ kind: 'id', ids }]);
  return found.filter((p) => p.active !== false);
}

async function find<T extends Resource>(repo: Repository, resourceType: string, filters: SearchFilter[]): Promise<T[]> {
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

/** The id of a relative reference `Type/id` of the expected type, else undefined. */
function localId(reference: string | undefined, type: string): string | undefined {
  const match = reference ? /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference) : null;
  return match && match[1] === type ? match[2] : undefined;
}

function unique(values: Array<string | undefined>): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}
