import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Mailer } from '../../mail/mailer.ts';
import type { Clock, KeyValueStore } from '../../storage/key-value-store.ts';
import type { Account } from './account.ts';
import type { PasswordAccountService } from './account-service.ts';
import { passwordProblem } from './password-rules.ts';

/**
 * Password reset by e-mail link.
 *
 * - The token is 32 random bytes (base64url) and only its SHA-256 is stored (namespace
 *   `password-reset`, expiring after 30 minutes): someone who reads the database cannot use the
 *   tokens in it. It is single-use: the store's atomic `consume` lets exactly one request use it.
 * - The link is built from the configured public URL (BASE_URL), never from the request's Host
 *   header, which an attacker could set to their own server and so receive the victim's token.
 * - At most a few e-mails per account per hour (namespace `password-reset-sent`), so the form cannot
 *   be used to flood someone's mailbox from many addresses.
 * - `request` never tells whether the e-mail has an account; the caller answers the same either way
 *   and does not wait for the e-mail to be sent (the time would tell).
 */
export const RESET_NAMESPACE = 'password-reset';
export const RESET_SENT_NAMESPACE = 'password-reset-sent';

export interface PasswordResetDeps {
  keyValue: KeyValueStore;
  accounts: PasswordAccountService;
  mailer: Mailer;
  /** The page the e-mail links to, from BASE_URL: `${config.baseUrl}/auth/reset-password`. */
  resetPageUrl: string;
  clock?: Clock;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  tokenTtlSeconds?: number;
  maxMailsPerHour?: number;
}

export type ResetOutcome =
  { ok: true; account: Account } | { ok: false; problem: 'token' | 'password'; message: string };

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
const HOUR_MS = 3_600_000;
export const BAD_TOKEN_MESSAGE =
  'This password-reset link is not valid any more: it has expired or was already used. Ask for a new one.';

export class PasswordResets {
  readonly #deps: Required<Omit<PasswordResetDeps, 'logger'>> & Pick<PasswordResetDeps, 'logger'>;

  constructor(deps: PasswordResetDeps) {
    this.#deps = { clock: Date.now, tokenTtlSeconds: 30 * 60, maxMailsPerHour: 5, ...deps };
  }

  get tokenTtlMinutes(): number {
    return Math.round(this.#deps.tokenTtlSeconds / 60);
  }

  /** Sends a reset link when `email` belongs to an account; does nothing (and says nothing) otherwise. */
  async request(email: string): Promise<void> {
    const { accounts, keyValue, mailer, tokenTtlSeconds } = this.#deps;
    const account = await accounts.findByEmail(email);
    if (!account) return;
    if (!(await this.#mayMail(account.id))) {
      this.#deps.logger?.warn(
        { event: 'password-reset-throttled', accountId: account.id },
        'password-reset e-mail not sent: hourly limit reached',
      );
      return;
    }
    const token = randomBytes(32).toString('base64url');
    await keyValue.upsert(RESET_NAMESPACE, tokenHash(token), { accountId: account.id }, tokenTtlSeconds);
    const link = `${this.#deps.resetPageUrl}?token=${token}`;
    await mailer.send({
      to: account.email,
      subject: 'Reset your patient portal password',
      text: resetMailText(link, this.tokenTtlMinutes),
    });
    this.#deps.logger?.info({ event: 'password-reset-sent', accountId: account.id }, 'password-reset e-mail sent');
  }

  /** The account a still-usable token resets, or undefined (unknown, expired, used or malformed). */
  async accountFor(token: unknown): Promise<Account | undefined> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return undefined;
    const stored = await this.#deps.keyValue.find(RESET_NAMESPACE, tokenHash(token));
    if (!stored || stored.consumedAt !== undefined || typeof stored.payload.accountId !== 'string') return undefined;
    return this.#deps.accounts.findById(stored.payload.accountId);
  }

  /**
   * Sets the new password if the token is usable and the password meets the rules. A password that
   * breaks the rules leaves the token usable (the person corrects it and submits again); a successful
   * reset consumes it, ends every session, access and refresh token of the account (setPassword's
   * credentials epoch) and lifts any sign-in lockout of the account.
   */
  async complete(token: unknown, password: unknown): Promise<ResetOutcome> {
    const account = await this.accountFor(token);
    if (!account) return { ok: false, problem: 'token', message: BAD_TOKEN_MESSAGE };
    const problem = passwordProblem(password, account.email);
    if (problem) return { ok: false, problem: 'password', message: problem };
    if (!(await this.#deps.keyValue.consume(RESET_NAMESPACE, tokenHash(token as string)))) {
      return { ok: false, problem: 'token', message: BAD_TOKEN_MESSAGE };
    }
    await this.#deps.accounts.setPassword(account.id, password as string);
    this.#deps.logger?.info({ event: 'password-reset-completed', accountId: account.id }, 'password reset');
    return { ok: true, account };
  }

  /** Counts this e-mail against the account's hourly allowance; false once it is used up. */
  async #mayMail(accountId: string): Promise<boolean> {
    const { keyValue, clock, maxMailsPerHour } = this.#deps;
    const now = clock();
    const stored = await keyValue.find(RESET_SENT_NAMESPACE, accountId);
    const sent = (Array.isArray(stored?.payload.sent) ? stored.payload.sent : []).filter(
      (t): t is number => typeof t === 'number' && t > now - HOUR_MS,
    );
    if (sent.length >= maxMailsPerHour) return false;
    await keyValue.upsert(RESET_SENT_NAMESPACE, accountId, { sent: [...sent, now] }, HOUR_MS / 1000);
    return true;
  }
}

/** Only the hash is stored; base64url keeps the key short and printable. */
function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

function resetMailText(link: string, minutes: number): string {
  return [
    'Hello,',
    '',
    'Someone asked to reset the password of the patient portal account that uses this e-mail address.',
    `To choose a new password, open this link within ${minutes} minutes (it works once):`,
    '',
    link,
    '',
    'If you did not ask for this, ignore this e-mail: your password stays the same.',
  ].join('\n');
}
