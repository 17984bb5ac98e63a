import type {
  CareTeam,
  Consent,
  Organization,
  Patient,
  Person,
  Practitioner,
  PractitionerRole,
  RelatedPerson,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { checkCareTeam } from './care-team-rule.ts';
import { checkConsent } from './consent-rule.ts';
import { checkPractitioner } from './directory-profile-rule.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { checkOrganization } from './organization-rule.ts';
import { checkPatient } from './patient-rule.ts';
import { checkPerson } from './person-rule.ts';
import { checkPractitionerRole, practitionerRoleOwner } from './practitioner-role-rule.ts';
import { checkRelatedPerson } from './related-person-rule.ts';
import { checkUpdateProposal } from './update-proposal-rule.ts';
import { checkInvitationTask } from './invitation-rule.ts';

/**
 * The one place that decides who may create, change and end a resource that grants access
 * (README.md here has the table). Access policy calls it for every write and delete, on every path
 * (REST, PATCH, conditional interactions, batch and transaction entries, the console's /api), after
 * the ordinary checks (the caller's rule for the type, every patient the resource concerns) passed.
 * The server's own writes (CLIs, demo data, invitations it makes) run unscoped and are not checked.
 */
type Rule = (change: GrantChange, ctx: GrantContext) => Promise<void>;

const RULES: Record<string, Rule> = {
  // A member's directory profile: themselves or an administrator (directory-profile-rule.ts).
  Practitioner: (c, ctx) => checkPractitioner(c as GrantChange<Practitioner>, ctx),
  PractitionerRole: (c, ctx) => checkPractitionerRole(c as GrantChange<PractitionerRole>, ctx),
  Person: (c, ctx) => checkPerson(c as GrantChange<Person>, ctx),
  RelatedPerson: (c, ctx) => checkRelatedPerson(c as GrantChange<RelatedPerson>, ctx),
  Patient: (c, ctx) => checkPatient(c as GrantChange<Patient>, ctx),
  Consent: (c, ctx) => checkConsent(c as GrantChange<Consent>, ctx),
  // The practice's settings: what it shares by default, parents' access age, invitations (practice-settings.ts).
  Organization: (c, ctx) => checkOrganization(c as GrantChange<Organization>, ctx),
  // Tasks that change access or records, one rule per code; other Tasks pass both:
  // a patient's proposed update to a practice's Patient (code patient-update, decision 0028), and
  // portal invitations (code portal-invitation, decision 0029: only the invitation workflow writes them).
  Task: async (c, ctx) => {
    await checkInvitationTask(c as GrantChange<Task>);
    await checkUpdateProposal(c as GrantChange<Task>, ctx);
  },
  // Not a grant, but the patient's own: "My practitioners" (decision 0030).
  CareTeam: (c, ctx) => checkCareTeam(c as GrantChange<CareTeam>, ctx),
};

/** The types whose writes the grant rules check. */
export const GRANT_TYPES = Object.keys(RULES);

export async function checkGrantChange(change: GrantChange, ctx: GrantContext): Promise<void> {
  const type = (change.after ?? change.before)?.resourceType;
  const rule = type !== undefined && Object.hasOwn(RULES, type) ? RULES[type] : undefined;
  if (rule) await rule(change, ctx);
}

/** The practice that must own a new grant resource, when the resource itself says (a membership's practice). */
export async function grantOwner(resource: Resource, ctx: GrantContext): Promise<string | undefined> {
  return resource.resourceType === 'PractitionerRole'
    ? practitionerRoleOwner(resource as PractitionerRole, ctx)
    : undefined;
}
