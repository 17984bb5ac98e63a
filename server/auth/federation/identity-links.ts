import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../../storage/key-value-store.ts';
import { isPracticeId } from './practice-providers.ts';

/**
 * Which of OUR accounts an external identity signs in as. Never created silently:
 * - `federation-identity`: (issuer, sub) → accountId, the stable link. Set by an operator
 *   (`linkIdentity`), or on the first federated sign-in of an enrolled account (below).
 * - `federation-enrolment`: (practiceId, accountId) → {}: the account may be matched, once, by the
 *   verified e-mail its practice's provider asserts. The enrolment limits what a practice's provider
 *   can claim: an e-mail asserted by practice A's provider never reaches an account that practice A
 *   was not given, so one practice's administrator cannot sign in as another practice's user.
 */
export const IDENTITY_NAMESPACE = 'federation-identity';
export const ENROLMENT_NAMESPACE = 'federation-enrolment';

/** A fixed-length key for any (issuer, sub): both can be long, and the store's ids are at most 1024. */
function identityKey(issuer: string, sub: string): string {
  return createHash('sha256')
    .update(JSON.stringify([issuer, sub]))
    .digest('base64url');
}

function enrolmentKey(practiceId: string, accountId: string): string {
  return `${practiceId}:${accountId}`;
}

export async function linkIdentity(kv: KeyValueStore, issuer: string, sub: string, accountId: string): Promise<void> {
  if (!issuer || !sub || !accountId) throw new Error('linkIdentity needs an issuer, a subject and an account id');
  await kv.upsert(IDENTITY_NAMESPACE, identityKey(issuer, sub), { issuer, sub, accountId });
}

export async function findLinkedAccountId(kv: KeyValueStore, issuer: string, sub: string): Promise<string | undefined> {
  const stored = await kv.find(IDENTITY_NAMESPACE, identityKey(issuer, sub));
  // The stored issuer and sub are compared too, so a hash collision could never merge two identities.
  if (!stored || stored.payload.issuer !== issuer || stored.payload.sub !== sub) return undefined;
  return typeof stored.payload.accountId === 'string' ? stored.payload.accountId : undefined;
}

export async function unlinkIdentity(kv: KeyValueStore, issuer: string, sub: string): Promise<void> {
  await kv.destroy(IDENTITY_NAMESPACE, identityKey(issuer, sub));
}

/** Lets the practice's provider sign this account in by its verified e-mail. */
export async function enrolAccount(kv: KeyValueStore, practiceId: string, accountId: string): Promise<void> {
  if (!isPracticeId(practiceId)) throw new Error(`practice id must be a FHIR id, got ${JSON.stringify(practiceId)}`);
  await kv.upsert(ENROLMENT_NAMESPACE, enrolmentKey(practiceId, accountId), { practiceId, accountId });
}

export async function isEnrolled(kv: KeyValueStore, practiceId: string, accountId: string): Promise<boolean> {
  return Boolean(await kv.find(ENROLMENT_NAMESPACE, enrolmentKey(practiceId, accountId)));
}

export async function withdrawEnrolment(kv: KeyValueStore, practiceId: string, accountId: string): Promise<void> {
  await kv.destroy(ENROLMENT_NAMESPACE, enrolmentKey(practiceId, accountId));
}
