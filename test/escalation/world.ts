import type { Resource } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../../server/access/access-index.ts';
import { ADMIN_ROLE } from '../../server/access/grants/practice-roles.ts';
import { BackendTokens, provisionPractice, registerBackendClient } from '../support/practice-client.ts';
import { setPracticeSharing } from '../support/practice-sharing.ts';
import { fhirFetch, startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { registerTestApp, userTokens } from '../support/user-tokens.ts';

/**
 * The world the escalation tests attack, with real tokens from the server's own endpoints:
 *
 * - practice X: administrator `adminX`, practitioners `pX` and `colleagueX`; patients A, B and a
 *   child C (born 10 years ago) whose mother M has family access; practice Y: administrator
 *   `adminY`, its record BY of patient B (B's Person, owned by X, links BX... see below);
 * - patient B is seen at both practices: Person `personB` (owned by X) links BX (X) and BY (Y);
 * - backend clients of X: `backendX` (system/*.cruds, not registered to manage access) and
 *   `managerX` (registered to manage access); `appAdminX`: a third-party app acting for adminX
 *   with user/*.cruds; `appAdminXRead` the same app with user/*.rs only.
 *
 * Setting up is the server's own work (unscoped repository), as the CLIs and invitations would do.
 */
export const PASSWORD = 'escalation suite passphrase 2026';

export type Who =
  'pX' | 'adminX' | 'adminY' | 'patientA' | 'familyM' | 'backendX' | 'managerX' | 'appAdminX' | 'appAdminXRead';

export interface World {
  server: TestServer;
  practiceX: string;
  practiceY: string;
  /** `Type/id` of every record, by name. */
  ref: Record<string, string>;
  tokens: Record<Who, string>;
  /** fetch options acting as `who`. */
  as(who: Who): { headers: Record<string, string> };
  /** Stores a resource as the server would, owned by the practice. */
  save<T extends Resource>(resource: T, practiceId: string): Promise<T & { id: string }>;
  close(): Promise<void>;
}

/** `env`: extra configuration of the server (the invitation tests give it their SMTP server). */
export async function buildWorld(env: Record<string, string> = {}): Promise<World> {
  const server = await startTestServer(env);
  const practiceX = server.practice.practiceId;
  const practiceY = (await provisionPractice(server.app, 'Practice Y')).practiceId;
  // Every category shared with patients by default: these findings are about who reaches which
  // records, not about what a practice keeps from its patients (test/record-sharing.test.ts).
  await setPracticeSharing(server.repo, practiceX);
  await setPracticeSharing(server.repo, practiceY);
  const save = async <T extends Resource>(resource: T, practiceId: string): Promise<T & { id: string }> =>
    (
      await server.repo.create<T>({
        ...resource,
        meta: { ...resource.meta, tag: [{ system: OWNER_SYSTEM, code: practiceId }] },
      })
    ).resource as T & { id: string };
  const backendXTokens = new BackendTokens(
    server.baseUrl,
    await registerBackendClient(server.app, practiceX, 'X sync (no access management)', undefined, {
      managesAccess: false,
    }),
  );

  const ref: Record<string, string> = {};
  const keep = (name: string, r: Resource) => (ref[name] = `${r.resourceType}/${r.id}`);
  const practitioner = async (name: string, practiceId: string, admin: boolean) => {
    const p = await save({ resourceType: 'Practitioner', name: [{ family: name }] }, practiceId);
    keep(name, p);
    keep(
      `${name}Role`,
      await save(
        {
          resourceType: 'PractitionerRole',
          active: true,
          practitioner: { reference: `Practitioner/${p.id}` },
          organization: { reference: `Organization/${practiceId}` },
          ...(admin ? { code: [{ coding: [ADMIN_ROLE] }] } : {}),
        },
        practiceId,
      ),
    );
    return p;
  };
  const adminX = await practitioner('adminX', practiceX, true);
  const pX = await practitioner('pX', practiceX, false);
  await practitioner('colleagueX', practiceX, false);
  const adminY = await practitioner('adminY', practiceY, true);

  const tenYearsAgo = new Date(Date.UTC(new Date().getUTCFullYear() - 10, 0, 15)).toISOString().slice(0, 10);
  keep('A', await save({ resourceType: 'Patient', name: [{ family: 'Alpha' }], birthDate: '1980-01-01' }, practiceX));
  keep('BX', await save({ resourceType: 'Patient', name: [{ family: 'Both' }], birthDate: '1975-05-05' }, practiceX));
  keep('BY', await save({ resourceType: 'Patient', name: [{ family: 'Both' }], birthDate: '1975-05-05' }, practiceY));
  keep('C', await save({ resourceType: 'Patient', name: [{ family: 'Child' }], birthDate: tenYearsAgo }, practiceX));
  keep(
    'personA',
    await save({ resourceType: 'Person', active: true, link: [{ target: { reference: ref.A! } }] }, practiceX),
  );
  keep(
    'personB',
    await save(
      {
        resourceType: 'Person',
        active: true,
        link: [{ target: { reference: ref.BX! } }, { target: { reference: ref.BY! } }],
      },
      practiceX,
    ),
  );
  keep(
    'M',
    await save(
      {
        resourceType: 'RelatedPerson',
        active: true,
        patient: { reference: ref.C! },
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
        name: [{ family: 'Mother' }],
      },
      practiceX,
    ),
  );

  const account = async (email: string, kind: 'practitioner' | 'patient' | 'related-person', fhirUser: string) => {
    await server.app.accounts.createAccount({ email, kind, fhirUser, password: PASSWORD });
    return { email, password: PASSWORD };
  };
  const users = {
    adminX: await account('admin.x@example.org', 'practitioner', `Practitioner/${adminX.id}`),
    pX: await account('p.x@example.org', 'practitioner', `Practitioner/${pX.id}`),
    adminY: await account('admin.y@example.org', 'practitioner', `Practitioner/${adminY.id}`),
    patientA: await account('a@example.org', 'patient', ref.personA!),
    familyM: await account('m@example.org', 'related-person', ref.M!),
  };
  const appX = await registerTestApp(server, practiceX, 'openid fhirUser user/*.cruds user/*.rs');
  const appY = await registerTestApp(server, practiceY, 'openid fhirUser user/*.cruds');
  const token = async (
    user: { email: string; password: string },
    app: { clientId: string; redirectUri: string },
    scope = 'openid fhirUser user/*.cruds',
  ) => (await userTokens(server, user, { ...app, scope })).access_token;
  const firstParty = await registerTestApp(server, practiceX, 'openid fhirUser user/*.cruds');
  const tokens: Record<Who, string> = {
    pX: await token(users.pX, firstParty),
    adminX: await token(users.adminX, firstParty),
    adminY: await token(users.adminY, appY),
    patientA: await token(users.patientA, firstParty),
    familyM: await token(users.familyM, firstParty),
    backendX: await backendXTokens.token(),
    managerX: await server.tokens.token(),
    appAdminX: await token(users.adminX, appX),
    appAdminXRead: await token(users.adminX, appX, 'openid fhirUser user/*.rs'),
  };
  return {
    server,
    practiceX,
    practiceY,
    ref,
    tokens,
    as: (who) => ({ headers: { authorization: `Bearer ${tokens[who]}` } }),
    save,
    close: () => server.close(),
  };
}

/** The stored current version of a record (server's view), or undefined when it is gone. */
export async function stored(world: World, reference: string): Promise<Resource | undefined> {
  const [type, id] = reference.split('/') as [string, string];
  try {
    return await world.server.repo.read(type, id);
  } catch {
    return undefined;
  }
}

export { fhirFetch };
