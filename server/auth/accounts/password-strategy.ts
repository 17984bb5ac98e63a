import type { Request, RequestHandler, Response } from 'express';
import { Strategy as LocalStrategy } from 'passport-local';
import type { Account, AccountService } from './account.ts';

/**
 * The passport-local strategy for the sign-in form the authorization server renders: fields `email`
 * and `password` from the parsed body (urlencoded or JSON), checked by AccountService.authenticate.
 * It is used without passport sessions (`session: false`): oidc-provider keeps the login state, the
 * caller hands the account to its interaction once this answers.
 */
export const PASSWORD_STRATEGY = 'account-password';

export type PasswordSignInOutcome =
  | { ok: true; account: Account }
  /** `missing`: the form lacked an e-mail or a password (passport-local answers that before any check). */
  | { ok: false; reason: 'invalid' | 'locked' | 'missing'; message: string };

const MESSAGES = {
  invalid: 'The e-mail address or the password is not correct.',
  locked: 'Too many failed sign-ins for this e-mail address. Try again in 15 minutes, or reset your password.',
  missing: 'Enter your e-mail address and your password.',
} as const;

export function createPasswordStrategy(accounts: AccountService): LocalStrategy {
  return new LocalStrategy(
    { usernameField: 'email', passwordField: 'password', session: false },
    (email, password, done) => {
      accounts.authenticate(email, password).then(
        (result) => {
          if (result.ok) return done(null, result.account);
          const info = { message: MESSAGES[result.reason], reason: result.reason };
          return done(null, false, info);
        },
        (err: unknown) => done(err),
      );
    },
  );
}

/**
 * Runs the strategy on a request whose body is already parsed and answers the outcome, leaving the
 * response to the caller (the authorization server re-renders its form or finishes the interaction).
 * `passport` is the caller's Passport instance with the strategy registered under PASSWORD_STRATEGY.
 */
/** The part of a Passport instance (`new passport.Passport()`) this needs. */
export interface PassportAuthenticator {
  authenticate(
    strategy: string,
    options: { session: false },
    callback: (err: unknown, user: Account | false | undefined, info: { reason?: string } | undefined) => void,
  ): RequestHandler;
}

export function passwordSignIn(
  passport: PassportAuthenticator,
  req: Request,
  res: Response,
): Promise<PasswordSignInOutcome> {
  return new Promise((resolve, reject) => {
    const callback = (err: unknown, user: Account | false | undefined, info: { reason?: string } | undefined) => {
      if (err) return reject(asError(err));
      if (user) return resolve({ ok: true, account: user });
      const reason = info?.reason === 'locked' || info?.reason === 'invalid' ? info.reason : 'missing';
      resolve({ ok: false, reason, message: MESSAGES[reason] });
    };
    passport.authenticate(PASSWORD_STRATEGY, { session: false }, callback)(req, res, (err?: unknown) =>
      err ? reject(asError(err)) : undefined,
    );
  });
}

/** Passport hands over whatever a strategy failed with; callers get an Error (with the original as its cause). */
function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error('password sign-in failed', { cause: err });
}
