import type { RelatedPerson } from '@medplum/fhirtypes';
import { forbidden } from '../../fhir/outcomes.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { sameJson } from './record-refs.ts';

/**
 * A RelatedPerson (with an account linked to it) gives a family member access to the patient's
 * record on its terms: `active`, `period`, `relationship` (a parent's access ends at the age the
 * practice sets, family-terms.ts) and `patient`.
 *
 * - the practice's staff create, change and end it (every write also needs the patient to be
 *   theirs: the compartment check); a backend client only when registered to manage access;
 * - the patient may end it (delete it, or set `active` to false) but not create or widen it: giving
 *   family access from the portal comes with Consent-based grants;
 * - a family member never writes it, her own included: she cannot change the terms of her access.
 */
export async function checkRelatedPerson(change: GrantChange<RelatedPerson>, ctx: GrantContext): Promise<void> {
  const { principal } = ctx;
  const { before, after } = change;
  switch (principal.kind) {
    case 'practitioner':
      return;
    case 'system':
      if (!principal.managesAccess) throw forbidden("This client is not registered to manage family members' access");
      return;
    case 'related-person':
      throw forbidden("A family member cannot change the terms of anyone's access, her own included");
    case 'patient':
      if (!before) throw forbidden('Family access is set up by your practice');
      if (after && !(after.active === false && sameJson(before.patient, after.patient) && sameTerms(before, after))) {
        throw forbidden(
          "You can end a family member's access to your record (set active to false, or delete it), not change it",
        );
      }
  }
}

/** Everything but `active` and meta is unchanged (ending access must not rewrite its terms). */
function sameTerms(before: RelatedPerson, after: RelatedPerson): boolean {
  const { active: _a, meta: _m, ...restBefore } = before;
  const { active: _b, meta: _n, ...restAfter } = after;
  return sameJson(restBefore, restAfter);
}
