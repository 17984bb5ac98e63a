import { parseArgs } from 'node:util';
import type { StorageEngine } from '../../storage/storage-engine.ts';
import { enrolAccount, linkIdentity } from '../federation/identity-links.ts';
import { setPracticeProvider } from '../federation/practice-providers.ts';
import type { TokenEndpointAuthMethod } from '../federation/practice-providers.ts';
import type { AccountKind } from './account.ts';
import { PasswordAccountService } from './account-service.ts';
import { ACCOUNT_KINDS } from './account-store.ts';
import type { PasswordHasher } from './password-hash.ts';

/**
 * The operator's account commands (`npm run account -- <command>`, entry point server/cli/account.ts),
 * kept here, apart from the process handling, so that tests run them against a real store.
 */
export const USAGE = `Usage: npm run account -- <command> [options]

  create --email <e-mail> --kind <practitioner|patient|related-person> --fhir-user <Type/id> [--name <name>]
         [--password <password> | --no-password]      (without either, the password is asked for)
  set-password --email <e-mail> [--password <password>]
  federation-provider --practice <Organization id> --issuer <URL> --client-id <id> [--client-secret <secret>]
         [--auth-method client_secret_basic|client_secret_post] [--display-name <name>]
  federation-enrol --practice <Organization id> --email <e-mail>
         (the practice's provider may then sign this account in by its verified e-mail)
  federation-link --issuer <URL> --subject <sub> --email <e-mail>

A password given on the command line is visible in the shell history and the process list; prefer
the prompt, or pipe it on standard input.`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface CommandIO {
  /** A new password: asked twice on a terminal, read as one line from a pipe. */
  readNewPassword(): Promise<string>;
  readSecret(prompt: string): Promise<string>;
  print(line: string): void;
  warn(line: string): void;
}

export interface CommandDeps {
  engine: StorageEngine;
  production: boolean;
  io: CommandIO;
  hasher?: PasswordHasher;
}

const OPTIONS = {
  email: { type: 'string' },
  kind: { type: 'string' },
  'fhir-user': { type: 'string' },
  name: { type: 'string' },
  password: { type: 'string' },
  'no-password': { type: 'boolean' },
  practice: { type: 'string' },
  issuer: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'auth-method': { type: 'string' },
  'display-name': { type: 'string' },
  subject: { type: 'string' },
} as const;

export async function runAccountCommand(args: string[], deps: CommandDeps): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [command, ...extra] = parsed.positionals;
  if (extra.length) throw new UsageError(`Unexpected arguments: ${extra.join(' ')}`);
  const values = parsed.values;
  const required = (name: keyof typeof OPTIONS): string => {
    const value = values[name];
    if (typeof value !== 'string' || value === '') throw new UsageError(`${command} needs --${name}`);
    return value;
  };
  const accounts = new PasswordAccountService({
    keyValue: deps.engine.keyValue,
    ...(deps.hasher ? { hasher: deps.hasher } : {}),
  });
  const accountByEmail = async (email: string) => {
    const account = await accounts.findByEmail(email);
    if (!account) throw new UsageError(`No account with e-mail ${email}`);
    return account;
  };
  const passwordFromArgs = (): string | undefined => {
    if (values.password === undefined) return undefined;
    deps.io.warn('Warning: a password on the command line is visible in the shell history and the process list.');
    return values.password;
  };

  switch (command) {
    case 'create': {
      const kind = required('kind');
      if (!ACCOUNT_KINDS.includes(kind as AccountKind))
        throw new UsageError(`--kind must be one of ${ACCOUNT_KINDS.join(', ')}`);
      if (values.password !== undefined && values['no-password'])
        throw new UsageError('Give either --password or --no-password, not both');
      const fhirUser = required('fhir-user');
      await warnIfMissing(deps, fhirUser);
      const password = values['no-password'] ? undefined : (passwordFromArgs() ?? (await deps.io.readNewPassword()));
      const account = await accounts.createAccount({
        email: required('email'),
        kind: kind as AccountKind,
        fhirUser,
        name: values.name,
        password,
      });
      deps.io.print(
        `Created ${account.kind} account ${account.id} for ${account.email} (${account.fhirUser})${password === undefined ? ', without a password' : ''}.`,
      );
      return;
    }
    case 'set-password': {
      const account = await accountByEmail(required('email'));
      await accounts.setPassword(account.id, passwordFromArgs() ?? (await deps.io.readNewPassword()));
      deps.io.print(
        `Password set for ${account.email}; every session and token of the account is ended, any sign-in lockout lifted.`,
      );
      return;
    }
    case 'federation-provider': {
      const secret = values['client-secret'] ?? (await deps.io.readSecret('Client secret: '));
      const provider = await setPracticeProvider(
        deps.engine.keyValue,
        {
          practiceId: required('practice'),
          issuer: required('issuer'),
          clientId: required('client-id'),
          clientSecret: secret,
          ...(values['auth-method']
            ? { tokenEndpointAuthMethod: values['auth-method'] as TokenEndpointAuthMethod }
            : {}),
          ...(values['display-name'] ? { displayName: values['display-name'] } : {}),
        },
        deps.production,
      );
      deps.io.print(
        `Practice ${provider.practiceId} signs in through ${provider.issuer} as client ${provider.clientId}.`,
      );
      return;
    }
    case 'federation-enrol': {
      const account = await accountByEmail(required('email'));
      await enrolAccount(deps.engine.keyValue, required('practice'), account.id);
      deps.io.print(
        `${account.email} may sign in through practice ${values.practice}'s provider (matched once by verified e-mail).`,
      );
      return;
    }
    case 'federation-link': {
      const account = await accountByEmail(required('email'));
      await linkIdentity(deps.engine.keyValue, required('issuer'), required('subject'), account.id);
      deps.io.print(`${values.issuer} subject ${values.subject} now signs in as ${account.email}.`);
      return;
    }
    default:
      throw new UsageError(command ? `Unknown command '${command}'` : 'No command given');
  }
}

/** An account may be created before its FHIR resource, but the operator should know. */
async function warnIfMissing(deps: CommandDeps, fhirUser: string): Promise<void> {
  const [type, id] = fhirUser.split('/');
  if (!type || !id) return; // the account store explains the format
  let current;
  try {
    current = await deps.engine.reader.readCurrent(type, id);
  } catch {
    return;
  }
  if (!current || current.deleted)
    deps.io.warn(`Warning: ${fhirUser} does not exist in the FHIR store (yet); the account will point at it.`);
}
