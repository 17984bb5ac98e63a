import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openClientRegistry } from '../auth/smart/client-registry.ts';
import { ClientRegistrationError } from '../auth/smart/clients.ts';
import type { ClientRegistration } from '../auth/smart/clients.ts';
import { loadConfigOrExit } from '../config.ts';
import { openStorage } from '../storage/open-storage.ts';
import { createLogger } from '../ops/logging.ts';

/**
 * `node server/cli/register-client.ts --practice <id> --name <n> --kind <kind> [options]`: registers
 * a SMART client of a practice (server/auth/smart/README.md) and prints its client_id and, for a
 * confidential-symmetric client, its secret, which is shown this once only. Opens the store like
 * the server does (MONGODB_URI or DATA_DIR, see server/config.ts); safe while the server runs.
 *
 * Exit codes: 0 registered, 2 bad usage or a registration the server refuses (the message says
 * why), 1 anything else.
 */
export const USAGE = `Usage: node server/cli/register-client.ts --practice <Organization id> --name <name> --kind <kind> --scope "<scopes>" [options]

  --kind           public | confidential-symmetric | confidential-asymmetric | backend
  --scope          the scopes the client may ask for, e.g. "system/*.rs" or "openid fhirUser launch/patient patient/*.rs"
  --redirect-uri   an exact redirect URI (repeat for several); required for all kinds but backend
  --jwks-file      a JSON file with the client's public keys ({"keys": [...]}); confidential-asymmetric and backend
  --jwks-uri       or the https URL where the client publishes them
  --client-id      re-register (replace) the client with this id instead of creating a new one
  --manages-access backend only: the client may create, change and end the practice's memberships and
                   access grants (PractitionerRole, Person links, RelatedPerson, Consent) like its administrators

Example: node server/cli/register-client.ts --practice 7f3c… --name "Lab feed" --kind backend --jwks-file lab.jwks.json --scope "system/*.rs"`;

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The registration the arguments describe; throws UsageError for malformed arguments. */
export function parseRegistration(
  args: string[],
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ClientRegistration {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        practice: { type: 'string' },
        name: { type: 'string' },
        kind: { type: 'string' },
        scope: { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        'jwks-file': { type: 'string' },
        'jwks-uri': { type: 'string' },
        'client-id': { type: 'string' },
        'manages-access': { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  for (const required of ['practice', 'name', 'kind', 'scope'] as const) {
    if (!values[required]) throw new UsageError(`--${required} is required`);
  }
  const registration: ClientRegistration = {
    practiceId: values.practice!,
    name: values.name!,
    kind: values.kind as ClientRegistration['kind'],
    scope: values.scope!,
  };
  if (values['redirect-uri']) registration.redirectUris = values['redirect-uri'];
  if (values['jwks-uri']) registration.jwksUri = values['jwks-uri'];
  if (values['client-id']) registration.clientId = values['client-id'];
  if (values['manages-access']) registration.managesAccess = true;
  if (values['jwks-file']) registration.jwks = readJwks(values['jwks-file'], readFile);
  return registration;
}

function readJwks(path: string, readFile: (path: string) => string): ClientRegistration['jwks'] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(path));
  } catch (err) {
    throw new UsageError(`--jwks-file ${path}: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new UsageError(`--jwks-file ${path} must hold a JWKS: {"keys": [...]}`);
  }
  return parsed as ClientRegistration['jwks'];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    process.exit(args.length === 0 ? 2 : 0);
  }
  let registration: ClientRegistration;
  try {
    registration = parseRegistration(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  const engine = await openStorage(config, createLogger('warn'));
  try {
    const registry = await openClientRegistry({
      baseUrl: config.baseUrl,
      fhirBaseUrl: config.fhirBaseUrl,
      keyValue: engine.keyValue,
    });
    const registered = await registry.register(registration);
    console.log(`client_id: ${registered.clientId}`);
    if (registered.clientSecret) {
      console.log(`client_secret: ${registered.clientSecret}`);
      console.error("The client secret is shown only now: give it to the app's operator over a secure channel.");
    }
  } catch (err) {
    if (!(err instanceof ClientRegistrationError)) throw err;
    console.error(err.message);
    process.exitCode = 2;
  } finally {
    await engine.close();
  }
}

if (import.meta.main) await main();
