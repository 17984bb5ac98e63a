import type { Consent } from '@medplum/fhirtypes';
import { forbidden } from '../../fhir/outcomes.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';

/**
 * Consent will carry the grants a patient gives (family access at a chosen level, sharing with
 * another practice). It is written by the patient and by the practice's staff; a family member can
 * never write one (she would grant herself more); a backend client only when registered to manage
 * access. The rules of what a Consent grants are added here when Consent becomes a source of access.
 */
export async function checkConsent(_change: GrantChange<Consent>, ctx: GrantContext): Promise<void> {
  const { principal } = ctx;
  if (principal.kind === 'related-person') throw forbidden('A family member cannot give or change consents');
  if (principal.kind === 'system' && !principal.managesAccess)
    throw forbidden('This client is not registered to manage consents');
}
