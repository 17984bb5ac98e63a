import type { Bundle, Organization, Resource } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../../server/access/access-index.ts';
import { NOTE_SHARING_URL, SHARING_DEFAULT_URL, SHARING_SYSTEM } from '../../server/access/record-sharing.ts';
import { openAppOn, practiceOf } from '../support/server-process.ts';
import { TEST_REDIRECT, userTokens } from '../support/user-tokens.ts';

/**
 * The store of `npm run bench`'s issue #12 rows (the clinical record): one practice that shares
 * allergies and immunizations by default but not results or documents, so what a patient sees of
 * those depends on each item's sharing mark (decision 0023); RECORD_PATIENTS patients with portal
 * accounts, each with RESULTS_PER_PATIENT laboratory Observations of which every other one is
 * shared with them (and every tenth of the others labelled restricted); one practitioner with an
 * account; SHARE_POOL documents (DocumentReference, not notes, content inline) for `$share`.
 * Seeded in-process on the data directory's SQLite file (the server's own writes, as the demo data:
 * the marks are set directly), before the server process starts; the users then sign in through
 * the real pages (user-tokens.ts) as a SMART app would.
 */
export const RECORD_PATIENTS = 5;
export const RESULTS_PER_PATIENT = 100;
/** Every other result is shared (the others stay with the practice). */
export const SHARED_RESULTS = Math.ceil(RESULTS_PER_PATIENT / 2);
export const SHARE_POOL = 3000;
const PASSWORD = 'bench record passphrase 2026';
const SCOPE = 'openid fhirUser user/*.cruds';
const LAB = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' };
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

interface Credentials {
  email: string;
  password: string;
}

export interface RecordStore {
  practitioner: Credentials;
  patients: Array<{ id: string; user: Credentials }>;
  /** The ids of the documents `$share` is measured on. */
  documents: string[];
  app: { clientId: string; redirectUri: string };
}

export async function seedRecordStore(dataDir: string): Promise<RecordStore> {
  const { practiceId } = await practiceOf(dataDir);
  const { app, close } = await openAppOn(dataDir);
  try {
    const owner = { system: OWNER_SYSTEM, code: practiceId };
    const practice = await app.repo.read<Organization>('Organization', practiceId);
    await app.repo.update<Organization>({
      ...practice,
      extension: [
        { url: SHARING_DEFAULT_URL, valueCode: 'allergies' },
        { url: SHARING_DEFAULT_URL, valueCode: 'immunizations' },
        { url: NOTE_SHARING_URL, valueBoolean: true },
      ],
    });
    const store = await app.repo.transaction(async (tx) => {
      const save = async (resource: Resource, tags: Array<{ system: string; code: string }> = []): Promise<Resource> =>
        (await tx.create<Resource>({ ...resource, meta: { ...resource.meta, tag: [owner, ...tags] } })).resource;
      const practitioner = await save({ resourceType: 'Practitioner', name: [{ family: 'Bench', given: ['Pat'] }] });
      await save({
        resourceType: 'PractitionerRole',
        active: true,
        practitioner: { reference: `Practitioner/${practitioner.id}` },
        organization: { reference: `Organization/${practiceId}` },
      });
      const patients: Array<{ id: string; person: string }> = [];
      for (let p = 0; p < RECORD_PATIENTS; p++) {
        const patient = await save({
          resourceType: 'Patient',
          name: [{ family: `Record${p}`, given: ['Bench'] }],
          birthDate: '1980-01-01',
        });
        const person = await save({
          resourceType: 'Person',
          active: true,
          link: [{ target: { reference: `Patient/${patient.id}` } }],
        });
        patients.push({ id: patient.id as string, person: person.id as string });
        for (let r = 0; r < RESULTS_PER_PATIENT; r++) {
          const shared = r % 2 === 0;
          await save(
            {
              resourceType: 'Observation',
              ...(!shared && r % 10 === 1 ? { meta: { security: [{ system: CONFIDENTIALITY, code: 'R' }] } } : {}),
              status: 'final',
              category: [{ coding: [LAB] }],
              code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }], text: 'HbA1c' },
              subject: { reference: `Patient/${patient.id}` },
              effectiveDateTime: new Date(Date.UTC(2026, 0, 1) + r * 86_400_000).toISOString(),
              valueQuantity: { value: 5 + (r % 20) / 10, unit: '%' },
            },
            shared ? [{ system: SHARING_SYSTEM, code: 'patient' }] : [],
          );
        }
      }
      const documents: string[] = [];
      for (let d = 0; d < SHARE_POOL; d++) {
        const patient = patients[d % patients.length] as { id: string };
        const document = await save({
          resourceType: 'DocumentReference',
          status: 'current',
          type: { text: 'Letter' },
          subject: { reference: `Patient/${patient.id}` },
          author: [{ reference: `Practitioner/${practitioner.id}` }],
          description: `Letter ${d}`,
          content: [{ attachment: { contentType: 'text/plain', data: Buffer.from(`Letter ${d}`).toString('base64') } }],
        });
        documents.push(document.id as string);
      }
      return { practitioner: practitioner.id as string, patients, documents };
    });
    const account = async (email: string, kind: 'practitioner' | 'patient', fhirUser: string) => {
      await app.accounts.createAccount({ email, kind, fhirUser, password: PASSWORD });
      return { email, password: PASSWORD };
    };
    const { clientId } = await app.smart.registerClient({
      practiceId,
      name: 'Bench portal',
      kind: 'public',
      redirectUris: [TEST_REDIRECT],
      scope: SCOPE,
    });
    return {
      practitioner: await account('practitioner@bench.example', 'practitioner', `Practitioner/${store.practitioner}`),
      patients: await Promise.all(
        store.patients.map(async ({ id, person }, p) => ({
          id,
          user: await account(`patient${p}@bench.example`, 'patient', `Person/${person}`),
        })),
      ),
      documents: store.documents,
      app: { clientId, redirectUri: TEST_REDIRECT },
    };
  } finally {
    await close();
  }
}

/** Access tokens of the store's users from the running server, through its sign-in pages. */
export async function recordTokens(
  server: { baseUrl: string; fhirUrl: string },
  store: RecordStore,
): Promise<{ practitioner: string; patients: string[] }> {
  const token = async (user: Credentials) =>
    (await userTokens(server, user, { ...store.app, scope: SCOPE })).access_token;
  const patients: string[] = [];
  for (const { user } of store.patients) patients.push(await token(user));
  return { practitioner: await token(store.practitioner), patients };
}

/** The portal's results section (portal-app/src/app/record/health-record.service.ts) for one patient. */
export const resultsPath = (patientId: string): string =>
  `/fhir/R4/Observation?patient=Patient/${patientId}&_count=100`;

/** Why a results page is not exactly the patient's shared results, if it is not. */
export function checkResults(bundle: Bundle, expected: number): string | undefined {
  const matches = (bundle.entry ?? []).filter((e) => e.search?.mode === 'match');
  if (matches.length !== expected) return `${matches.length} results instead of the ${expected} shared`;
  const unshared = matches.filter(
    (e) => !(e.resource?.meta?.tag ?? []).some((t) => t.system === SHARING_SYSTEM && t.code === 'patient'),
  );
  return unshared.length ? `${unshared.length} results not shared with the patient` : undefined;
}
