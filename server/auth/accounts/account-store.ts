import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../../storage/key-value-store.ts';
import { bumpAccessEpoch } from '../../access/access-epoch.ts';
import type { Account, AccountKind } from './account.ts';

/**
 * Accounts in the key-value store, so they live on both engines:
 * - `account`, keyed by the account's random opaque id: the account and its password hash;
 * - `account-email`, keyed by the normalised e-mail: `{ accountId }`, the index for sign-in.
 *
 * The store has no "insert if absent", so e-mail uniqueness is enforced by checking the index before
 * writing, with the writes of one AccountStore serialised. Two processes creating the same e-mail at
 * the same instant could still race (the later index entry wins); accounts are created by an operator
 * (CLI, console), so that window is accepted, and `findByEmail` only answers an account whose own
 * e-mail matches the index entry.
 */
export const ACCOUNT_NAMESPACE = 'account';
export const ACCOUNT_EMAIL_NAMESPACE = 'account-email';

export const ACCOUNT_KINDS: readonly AccountKind[] = ['practitioner', 'patient', 'related-person'];

/** What is stored: the public Account plus what never leaves this module's callers. */
export interface AccountRecord extends Account {
  /** An encoded scrypt hash (password-hash.ts); absent for an account without a password yet. */
  passwordHash?: string;
  createdAt: string;
  updatedAt: string;
}

export interface NewAccount {
  email: string;
  kind: AccountKind;
  fhirUser: string;
  name?: string;
  passwordHash?: string;
}

/** A bad e-mail, kind, fhirUser or name, or a duplicate e-mail: the message says which. */
export class AccountInputError extends Error {
  override name = 'AccountInputError';
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const FHIR_ID = '[A-Za-z0-9\\-.]{1,64}';
const FHIR_USER_TYPES: Record<AccountKind, readonly string[]> = {
  practitioner: ['Practitioner'],
  patient: ['Person'],
  'related-person': ['RelatedPerson', 'Person'],
};

/** Lower-cased and trimmed: the form accounts are stored and looked up by. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The normalised e-mail, or undefined when it cannot be an address (lookups then find nothing). */
export function parseEmail(email: unknown): string | undefined {
  if (typeof email !== 'string') return undefined;
  const normalized = normalizeEmail(email);
  return normalized.length <= 254 && EMAIL.test(normalized) && normalized.isWellFormed() ? normalized : undefined;
}

export function checkFhirUser(kind: AccountKind, fhirUser: unknown): asserts fhirUser is string {
  const types = FHIR_USER_TYPES[kind];
  if (!types)
    throw new AccountInputError(`Account kind must be one of ${ACCOUNT_KINDS.join(', ')}, got '${String(kind)}'`);
  const pattern = new RegExp(`^(${types.join('|')})/${FHIR_ID}$`);
  if (typeof fhirUser !== 'string' || !pattern.test(fhirUser)) {
    throw new AccountInputError(
      `A ${kind} account's fhirUser must be ${types.map((t) => `${t}/<id>`).join(' or ')}, got '${String(fhirUser)}'`,
    );
  }
}

export class AccountStore {
  readonly #kv: KeyValueStore;
  readonly #now: () => number;
  /** Tail of this store's writes: read-modify-write sequences run one at a time. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(kv: KeyValueStore, clock: () => number = Date.now) {
    this.#kv = kv;
    this.#now = clock;
  }

  /** Creates an account; throws AccountInputError for bad input or an e-mail already in use. */
  create(input: NewAccount): Promise<Account> {
    return this.#serial(async () => {
      const email = parseEmail(input.email);
      if (!email) throw new AccountInputError(`'${String(input.email)}' is not an e-mail address`);
      checkFhirUser(input.kind, input.fhirUser);
      const name = checkName(input.name);
      if (await this.findByEmail(email)) throw new AccountInputError(`An account with e-mail ${email} already exists`);
      const now = new Date(this.#now()).toISOString();
      const record: AccountRecord = {
        id: randomBytes(16).toString('base64url'),
        email,
        kind: input.kind,
        fhirUser: input.fhirUser,
        ...(name ? { name } : {}),
        ...(input.passwordHash ? { passwordHash: input.passwordHash } : {}),
        createdAt: now,
        updatedAt: now,
      };
      // The account first, then the index: a crash in between leaves an unreachable record, never an
      // index entry pointing at nothing.
      await this.#kv.upsert(ACCOUNT_NAMESPACE, record.id, toPayload(record));
      await this.#kv.upsert(ACCOUNT_EMAIL_NAMESPACE, email, { accountId: record.id });
      return toAccount(record);
    });
  }

  async findById(id: string): Promise<Account | undefined> {
    const record = await this.findRecordById(id);
    return record && toAccount(record);
  }

  async findByEmail(email: string): Promise<Account | undefined> {
    const record = await this.findRecordByEmail(email);
    return record && toAccount(record);
  }

  /** The stored record with its password hash: for the sign-in code only. */
  async findRecordById(id: string): Promise<AccountRecord | undefined> {
    const stored = await this.#kv.find(ACCOUNT_NAMESPACE, id);
    return stored ? fromPayload(id, stored.payload) : undefined;
  }

  async findRecordByEmail(email: string): Promise<AccountRecord | undefined> {
    const normalized = parseEmail(email);
    if (!normalized) return undefined;
    const entry = await this.#kv.find(ACCOUNT_EMAIL_NAMESPACE, normalized);
    const accountId = entry?.payload.accountId;
    if (typeof accountId !== 'string') return undefined;
    const record = await this.findRecordById(accountId);
    return record?.email === normalized ? record : undefined;
  }

  /**
   * Re-encodes the same password (a cost upgrade): sessions and tokens stay valid. With `replacing`,
   * only while the stored hash is still that one, so an upgrade racing a password change in this
   * process cannot bring the old password back (across processes the window shrinks to one read and
   * write: the store has no compare-and-set).
   */
  setPasswordHash(id: string, passwordHash: string, replacing?: string): Promise<void> {
    return this.#update(id, (record) =>
      replacing === undefined || record.passwordHash === replacing ? { ...record, passwordHash } : record,
    );
  }

  /**
   * A new password, and in the same write the credentials epoch (credentials-epoch.ts) that voids
   * every session and token issued before `sessionsValidAfter`. The epoch never moves back.
   */
  changePassword(id: string, passwordHash: string, sessionsValidAfter: number): Promise<void> {
    return this.#update(id, (record) => ({
      ...record,
      passwordHash,
      sessionsValidAfter: Math.max(sessionsValidAfter, record.sessionsValidAfter ?? 0),
    }));
  }

  /** Points the account at the FHIR resource that stands for the person (checked against its kind). */
  linkFhirUser(id: string, fhirUser: string): Promise<void> {
    return this.#update(id, (record) => {
      checkFhirUser(record.kind, fhirUser);
      return { ...record, fhirUser };
    });
  }

  #update(id: string, change: (record: AccountRecord) => AccountRecord): Promise<void> {
    return this.#serial(async () => {
      const record = await this.findRecordById(id);
      if (!record) throw new AccountInputError(`No account with id ${id}`);
      const changed = { ...change(record), updatedAt: new Date(this.#now()).toISOString() };
      await this.#kv.upsert(ACCOUNT_NAMESPACE, id, toPayload(changed));
      // A changed password (credentials epoch), kind or person changes what the account's tokens
      // reach: no process may answer from a cached verdict or principal after this returns
      // (decision 0017). A new account needs none: nothing cached can name its fresh id.
      await bumpAccessEpoch(this.#kv);
    });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

function checkName(name: unknown): string | undefined {
  if (name === undefined || name === '') return undefined;
  if (typeof name !== 'string' || name.length > 200 || !name.isWellFormed())
    throw new AccountInputError('An account name must be a string of at most 200 characters');
  return name.trim() || undefined;
}

function toAccount(record: AccountRecord): Account {
  return {
    id: record.id,
    email: record.email,
    kind: record.kind,
    fhirUser: record.fhirUser,
    ...(record.name ? { name: record.name } : {}),
    ...(record.sessionsValidAfter !== undefined ? { sessionsValidAfter: record.sessionsValidAfter } : {}),
  };
}

function toPayload(record: AccountRecord): Record<string, unknown> {
  const { id: _id, ...payload } = record;
  return payload;
}

/** A record read back; anything malformed (hand-edited, from an older version) is treated as absent. */
function fromPayload(id: string, payload: Record<string, unknown>): AccountRecord | undefined {
  const { email, kind, fhirUser, name, passwordHash, sessionsValidAfter, createdAt, updatedAt } = payload;
  if (typeof email !== 'string' || typeof fhirUser !== 'string' || !ACCOUNT_KINDS.includes(kind as AccountKind))
    return undefined;
  return {
    id,
    email,
    kind: kind as AccountKind,
    fhirUser,
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof passwordHash === 'string' ? { passwordHash } : {}),
    ...(typeof sessionsValidAfter === 'number' ? { sessionsValidAfter } : {}),
    createdAt: typeof createdAt === 'string' ? createdAt : '',
    updatedAt: typeof updatedAt === 'string' ? updatedAt : '',
  };
}
