/**
 * Accounts of people who sign in (practitioners, patients, family members). They are not FHIR
 * resources: they hold a password hash and sign-in state, and point at the FHIR resource that
 * stands for the person (`fhirUser`). Stored in the key-value store (namespace `account`), so they
 * live on both engines.
 */
export type AccountKind = 'practitioner' | 'patient' | 'related-person';

export interface Account {
  /** Stable opaque id (the OpenID `sub`). */
  id: string;
  /** Lower-cased, trimmed; unique. */
  email: string;
  kind: AccountKind;
  /** `Practitioner/…` for practitioners, `Person/…` for patients, `RelatedPerson/…` or `Person/…` for family members. */
  fhirUser: string;
  name?: string;
  /**
   * Epoch seconds: sessions, codes and tokens of this account issued before this instant are void.
   * Set on every password change (credentials-epoch.ts); absent while the password never changed.
   */
  sessionsValidAfter?: number;
}

export type SignInResult =
  | { ok: true; account: Account }
  /** `invalid`: unknown email or wrong password (never told apart); `locked`: too many failures. */
  | { ok: false; reason: 'invalid' | 'locked' };

/** What the sign-in pages of the authorization server need from the accounts module. */
export interface AccountService {
  /** Checks a password (constant-time, with per-account back-off); never says whether the email exists. */
  authenticate(email: string, password: string): Promise<SignInResult>;
  findById(id: string): Promise<Account | undefined>;
  findByEmail(email: string): Promise<Account | undefined>;
}
