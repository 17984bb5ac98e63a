import type { Organization } from '@medplum/fhirtypes';
import { forbidden, invalidResource } from '../../fhir/outcomes.ts';
import { ownerOf } from '../access-index.ts';
import { settingsFingerprint, settingsIssues } from '../practice-settings.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { administersPractice } from './grant-context.ts';

/**
 * A practice's settings (practice-settings.ts: what it shares with patients by default, note
 * sharing, parents' access age, invitations, patients' updates, the portal's contact details and
 * crisis text) decide what patients and colleagues reach, so they are the administrators': only an
 * administrator of the practice (or a backend client of it registered to manage access) changes
 * them on the practice's own Organization, or deletes that Organization. Every other field follows
 * the ordinary rule (any of its practitioners and backend clients). A settings extension on any
 * Organization must be well formed (400 naming its path; nothing is stored).
 */
export async function checkOrganization(change: GrantChange<Organization>, ctx: GrantContext): Promise<void> {
  const { before, after } = change;
  // A practice is the Organization that owns itself; its id never changes.
  const practice = before && ownerOf(before) === before.id ? before.id : undefined;
  if (practice && !after && !(await administersPractice(ctx, practice)))
    throw forbidden("Only an administrator of the practice may delete the practice's record");
  if (
    practice &&
    settingsFingerprint(before) !== settingsFingerprint(after) &&
    !(await administersPractice(ctx, practice))
  )
    throw forbidden(
      "Only an administrator of the practice may change its patient portal and clinical sharing settings (the practice record's settings extensions); other details may be changed as before",
    );
  if (after) {
    const issues = settingsIssues(after);
    if (issues.length) throw invalidResource(issues);
  }
}
