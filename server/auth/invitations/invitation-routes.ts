import express from 'express';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Person } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { Repository } from '../../storage/repository.ts';
import type { Account } from '../accounts/account.ts';
import type { PasswordAccountService } from '../accounts/account-service.ts';
import { html, sendPage } from '../accounts/html-page.ts';
import type { SafeHtml } from '../accounts/html-page.ts';
import { PASSWORD_RULES_TEXT, passwordProblem } from '../accounts/password-rules.ts';
import type { OpenInvitation, PortalInvitationService } from './portal-invitations.ts';

/**
 * `/auth/invitation`: the page an invitation e-mail links to (server-rendered, no script, like the
 * password-reset pages; no CSRF token for the same reason: only the holder of the single-use token
 * from the e-mail can act, and no cookie is read or set).
 *
 * The page always offers both answers, "I'm new: choose a password" and "I already have an account:
 * sign in", and treats them alike: if an account uses the invitation's e-mail, either answer is a
 * sign-in with that account's password; if none does, "new" creates it and "sign in" fails with the
 * same words as a wrong password. Every link that cannot be accepted (malformed, unknown, spent,
 * expired, revoked, resent, another practice's patient moved away) gets the same plain page, and
 * nothing is changed.
 */
export interface InvitationRoutesDeps {
  invitations: PortalInvitationService;
  accounts: PasswordAccountService;
  /** The unscoped repository (the new account's Person). */
  repo: Repository;
  /** The per-IP limiter of the sign-in forms. */
  rateLimit?: RequestHandler;
  logger: Pick<Logger, 'error' | 'warn'>;
}

const TITLE = 'Join the patient portal';
const NO_MATCH =
  'That password does not open an account with this e-mail address. Check it, or choose the other option.';

export function invitationRoutes({ invitations, accounts, repo, rateLimit, logger }: InvitationRoutesDeps): Router {
  const router = express.Router();
  const parseBody = express.urlencoded({ extended: false, limit: '16kb' });
  const limited: RequestHandler[] = rateLimit ? [rateLimit] : [];
  router.use('/invitation', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/invitation', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    const open = await invitations.open(token, true);
    if (!open) return sendPage(res, 400, 'Link not valid', badLink());
    sendPage(res, 200, TITLE, acceptPage(token as string, open));
  });

  router.post('/invitation', ...limited, parseBody, async (req: Request, res: Response) => {
    const token = field(req, 'token') ?? '';
    const choice = field(req, 'choice') === 'new' ? 'new' : 'existing';
    const password = field(req, 'password') ?? '';
    const open = await invitations.open(token);
    if (!open) return sendPage(res, 400, 'Link not valid', badLink());
    const again = (message: string) => sendPage(res, 400, TITLE, acceptPage(token, open, message));
    if (choice === 'new') {
      if (field(req, 'confirm') !== password) return again('The two passwords are not the same.');
      const problem = passwordProblem(password, open.email);
      if (problem) return again(problem);
    }
    let account: Account | undefined;
    if (await accounts.findByEmail(open.email)) {
      const result = await accounts.authenticate(open.email, password);
      if (!result.ok) return again(result.reason === 'locked' ? 'Too many attempts: try again later.' : NO_MATCH);
      account = result.account;
    } else if (choice === 'new') {
      account = await newAccount(accounts, repo, open, password);
    } else {
      return again(NO_MATCH);
    }
    const personId = account.kind === 'patient' ? /^Person\/(.+)$/.exec(account.fhirUser)?.[1] : undefined;
    // A practitioner's or family member's account is not a patient's: told like a wrong password.
    if (!personId) return again(NO_MATCH);
    if (!(await invitations.accept(token, personId))) return sendPage(res, 400, 'Link not valid', badLink());
    sendPage(res, 200, 'Invitation accepted', accepted(open));
  });

  router.use('/invitation', (err: unknown, _req: Request, res: Response, _next: unknown) => {
    void _next;
    logger.error({ err }, 'invitation page failed');
    sendPage(
      res,
      500,
      'Something went wrong',
      html`<p role="alert">Something went wrong on our side. Please try again later.</p>`,
    );
  });
  return router;
}

/** A patient account for the invitation's e-mail, behind a new Person (linked on acceptance). */
async function newAccount(
  accounts: PasswordAccountService,
  repo: Repository,
  open: OpenInvitation,
  password: string,
): Promise<Account> {
  const name = open.patient.name?.[0];
  const person = (
    await repo.create<Person>({
      resourceType: 'Person',
      active: true,
      ...(name ? { name: [name] } : {}),
      telecom: [{ system: 'email', value: open.email }],
    })
  ).resource;
  const display = [name?.given?.join(' '), name?.family].filter(Boolean).join(' ');
  return accounts.createAccount({
    email: open.email,
    kind: 'patient',
    fhirUser: `Person/${person.id as string}`,
    ...(display ? { name: display } : {}),
    password,
  });
}

function field(req: Request, name: string): string | undefined {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function acceptPage(token: string, open: OpenInvitation, error?: string): SafeHtml {
  return html`${error ? html`<p class="error" role="alert" id="form-error">${error}</p>` : ''}
<p>${open.practice.name ?? 'Your practice'} invites <strong>${open.email}</strong> to the patient portal.</p>
<h2>I'm new here</h2>
<form method="post" action="invitation">
<input type="hidden" name="token" value="${token}">
<input type="hidden" name="choice" value="new">
<label for="new-password">Choose a password</label>
<p class="hint" id="password-rules">${PASSWORD_RULES_TEXT}</p>
<input id="new-password" name="password" type="password" autocomplete="new-password" required minlength="12" aria-describedby="password-rules">
<label for="confirm">The password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="12">
<button type="submit">Create my account</button>
</form>
<h2>I already have an account</h2>
<form method="post" action="invitation">
<input type="hidden" name="token" value="${token}">
<input type="hidden" name="choice" value="existing">
<label for="password">Password of your account</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in and accept</button>
</form>`;
}

function accepted(open: OpenInvitation): SafeHtml {
  return html`<p role="status">You accepted the invitation of ${open.practice.name ?? 'your practice'}. Your record there is now in your portal account.</p>
<p><a href="/portal/">Open the patient portal</a></p>`;
}

function badLink(): SafeHtml {
  return html`<p class="error" role="alert">This invitation link is no longer valid.</p>
<p>Ask your practice to send you a new invitation.</p>`;
}
