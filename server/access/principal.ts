import type { PracticeSharing } from './record-sharing.ts';

/**
 * Who is calling, as the FHIR layer sees it once a token has been checked. The bearer-token
 * middleware (server/auth/smart) turns a valid access token into a `TokenGrant`; the entitlement
 * resolver (server/access/entitlements.ts) adds what the user may reach in the data (practices,
 * patient records) and yields a `Principal`; access-policy.ts turns a Principal into the rule that
 * every storage query applies (docs/security.md).
 */

/** The interactions of SMART v2 scopes (`.cruds`); a v1 `read` is `rs`, a v1 `write` is `cud`. */
export type ScopeInteraction = 'c' | 'r' | 'u' | 'd' | 's';

/** One resource scope such as `patient/Observation.rs?category=vital-signs` (SMART App Launch 2.2 §3). */
export interface ResourceScope {
  context: 'patient' | 'user' | 'system';
  /** A resource type, or '*' for all. */
  resourceType: string;
  interactions: ScopeInteraction[];
  /** A granular scope's search query (after '?'), undecoded, e.g. `category=http://…|vital-signs`. */
  query?: string;
}

/** What a valid access token carries (the claims our provider stored with it). */
export interface TokenGrant {
  /** The signed-in account (absent for a backend-services client_credentials token). */
  accountId?: string;
  clientId: string;
  /** The Organization id of the practice that registered the client (client metadata `practice`). */
  clientPractice?: string;
  /** The client was registered to manage its practice's memberships and grants (`manages_access`). */
  clientManagesAccess?: boolean;
  /** The granted scope string, space-separated, exactly as issued. */
  scope: string;
  /** Launch context: the patient the `patient/` scopes apply to (a Patient id). */
  patient?: string;
  encounter?: string;
}

export type PrincipalKind = 'practitioner' | 'patient' | 'related-person' | 'system';

export interface Principal {
  kind: PrincipalKind;
  /** The account id, or the client id for a backend client. */
  subject: string;
  clientId: string;
  /** `Practitioner/…`, `Person/…` or `RelatedPerson/…`; absent for a backend client. */
  fhirUser?: string;
  /**
   * Organization ids. Practitioners and backend clients: the practices whose records they work on
   * (a practitioner's through PractitionerRole, a client's own). Patients and family members: the
   * practices where they are patients, whose reference data (schedules, practitioners,
   * questionnaires) they may read.
   */
  practices: string[];
  /**
   * Patient ids whose compartments the caller may reach as a patient or family member: the patient's
   * own records in every practice that enabled the portal for them, and those shared with them.
   */
  patients: string[];
  /** The launch-context patient the `patient/` scopes apply to. */
  launchPatient?: string;
  /** The resource scopes the token grants. */
  scopes: ResourceScope[];
  /**
   * The sharing settings of `practices` (record-sharing.ts), by Organization id: what they share with
   * patients by default, whether their practitioners may share notes. Absent for backend clients.
   */
  sharing?: Readonly<Record<string, PracticeSharing>>;
  /**
   * A backend client registered to manage its practice's memberships and access grants
   * (server/access/grants): it may write them like an administrator of its practice.
   */
  managesAccess?: boolean;
}
