import assert from 'node:assert/strict';
import type {
  Condition,
  Encounter,
  Observation,
  Patient,
  Person,
  Practitioner,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../../../server/access/access-index.ts';
import { BackendTokens, provisionPractice } from '../../support/practice-client.ts';
import { setPracticeSharing } from '../../support/practice-sharing.ts';
import type { PracticeClient } from '../../support/practice-client.ts';
import { FHIR_JSON, startTestServer } from '../../support/test-server.ts';
import type { TestServer } from '../../support/test-server.ts';

/**
 * The world of the end-to-end SMART launch tests: the whole server on loopback (startTestServer)
 * and realistic data written the way a practice writes it, through its own backend-services client:
 *
 * - practice X (the test server's practice) and practice Y (a second practice with its own client);
 * - at X: a Practitioner and an active PractitionerRole (organization = X) for Dr. Xavier, who has a
 *   practitioner account (fhirUser Practitioner/…);
 * - patient A, seen at X only (an Encounter too, for the EHR launch context);
 * - patient B, seen at X and at Y: two Patient records, one per practice;
 * - for every Patient record: two vital-signs Observations, one laboratory Observation, one Condition;
 * - a Person for B linking both of B's records, and B's patient account (fhirUser Person/…).
 *
 * The Person is written by the server itself (the unscoped repository, owner tag X): the access
 * policy lets Person.link point only at records the writer can read (checkPersonLinks in
 * server/access/access-policy.ts), and neither practice's client can read the other's record, so no
 * API caller may link both. The fixture first checks that X's client is indeed refused (403).
 */
export const PASSWORD = 'e2e correct horse battery staple';

/** `Type/id` keys of one Patient record and everything about it. */
export interface RecordData {
  patient: string;
  patientKey: string;
  /** Observation keys, vital signs and laboratory. */
  observations: string[];
  vitals: string[];
  labs: string[];
  conditions: string[];
  encounters: string[];
}

export interface Practice {
  practice: PracticeClient;
  tokens: BackendTokens;
}

export interface E2eWorld {
  server: TestServer;
  x: Practice;
  y: Practice;
  practitioner: { id: string; roleId: string; account: Account };
  patientB: { personId: string; account: Account };
  /** A at X, B at X, B at Y. */
  a: RecordData;
  bx: RecordData;
  by: RecordData;
  close(): Promise<void>;
}

export interface Account {
  id: string;
  email: string;
  password: string;
  fhirUser: string;
}

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

export async function startE2eWorld(): Promise<E2eWorld> {
  const server = await startTestServer();
  try {
    const x: Practice = { practice: server.practice, tokens: server.tokens };
    const yPractice = await provisionPractice(server.app, 'Y');
    const y: Practice = { practice: yPractice, tokens: new BackendTokens(server.baseUrl, yPractice) };
    // Both practices share every clinical category with their patients by default: these launches
    // are about which records an app reaches, not what a practice keeps back (test/record-sharing.test.ts).
    await setPracticeSharing(server.repo, x.practice.practiceId);
    await setPracticeSharing(server.repo, yPractice.practiceId);
    const write = <T extends Resource>(by: Practice, resource: T) => create(server.fhirUrl, by, resource);

    const practitioner = await write<Practitioner>(x, {
      resourceType: 'Practitioner',
      active: true,
      name: [{ family: 'Xavier', given: ['Xena'], prefix: ['Dr.'] }],
    });
    const role = await write<PractitionerRole>(x, {
      resourceType: 'PractitionerRole',
      active: true,
      practitioner: { reference: `Practitioner/${practitioner.id}` },
      organization: { reference: `Organization/${x.practice.practiceId}` },
    });

    const a = await record(server.fhirUrl, x, { family: 'Adams', given: ['Alice'] }, '1961-03-04', true);
    const bx = await record(server.fhirUrl, x, { family: 'Baker', given: ['Bob'] }, '1975-11-20');
    const by = await record(server.fhirUrl, y, { family: 'Baker', given: ['Robert'] }, '1975-11-20');

    const person: Person = {
      resourceType: 'Person',
      active: true,
      name: [{ family: 'Baker', given: ['Bob'] }],
      link: [{ target: { reference: bx.patientKey } }, { target: { reference: by.patientKey } }],
    };
    const refused = await fhirJson(`${server.fhirUrl}/Person`, await x.tokens.token(), {
      method: 'POST',
      body: person,
    });
    assert.equal(
      refused.status,
      403,
      `practice X's client may not link Y's record to a Person: ${JSON.stringify(refused.body)}`,
    );
    const { resource: stored } = await server.repo.create<Person>({
      ...person,
      meta: { tag: [{ system: OWNER_SYSTEM, code: x.practice.practiceId }] },
    });

    const practitionerAccount = await account(
      server,
      'practitioner',
      `Practitioner/${practitioner.id}`,
      'dr.xavier@x.example',
      'Xena Xavier',
    );
    const patientAccount = await account(
      server,
      'patient',
      `Person/${stored.id}`,
      'bob.baker@example.org',
      'Bob Baker',
    );

    return {
      server,
      x,
      y,
      practitioner: { id: practitioner.id!, roleId: role.id!, account: practitionerAccount },
      patientB: { personId: stored.id!, account: patientAccount },
      a,
      bx,
      by,
      close: () => server.close(),
    };
  } catch (err) {
    await server.close();
    throw err;
  }
}

async function account(
  server: TestServer,
  kind: 'practitioner' | 'patient',
  fhirUser: string,
  email: string,
  name: string,
): Promise<Account> {
  const created = await server.app.accounts.createAccount({ email, kind, fhirUser, name, password: PASSWORD });
  return { id: created.id, email, password: PASSWORD, fhirUser };
}

/** One Patient record at a practice and its clinical data, written by the practice's client. */
async function record(
  fhirUrl: string,
  by: Practice,
  name: { family: string; given: string[] },
  birthDate: string,
  withEncounter = false,
): Promise<RecordData> {
  const patient = await create<Patient>(fhirUrl, by, {
    resourceType: 'Patient',
    active: true,
    name: [name],
    birthDate,
    gender: 'unknown',
  });
  const subject = { reference: `Patient/${patient.id}` };
  const observation = (
    category: string,
    code: string,
    display: string,
    value: Observation['valueQuantity'],
  ): Observation => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: category }] }],
    code: { coding: [{ system: 'http://loinc.org', code, display }] },
    subject,
    effectiveDateTime: '2025-05-01T09:30:00Z',
    valueQuantity: value,
  });
  const vitals = [
    await create(
      fhirUrl,
      by,
      observation('vital-signs', '8867-4', 'Heart rate', {
        value: 72,
        unit: '/min',
        system: 'http://unitsofmeasure.org',
        code: '/min',
      }),
    ),
    await create(
      fhirUrl,
      by,
      observation('vital-signs', '29463-7', 'Body weight', {
        value: 81,
        unit: 'kg',
        system: 'http://unitsofmeasure.org',
        code: 'kg',
      }),
    ),
  ];
  const labs = [
    await create(
      fhirUrl,
      by,
      observation('laboratory', '2345-7', 'Glucose', {
        value: 5.4,
        unit: 'mmol/L',
        system: 'http://unitsofmeasure.org',
        code: 'mmol/L',
      }),
    ),
  ];
  const conditions = [
    await create<Condition>(fhirUrl, by, {
      resourceType: 'Condition',
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' }] },
      subject,
    }),
  ];
  const encounters = withEncounter
    ? [
        await create<Encounter>(fhirUrl, by, {
          resourceType: 'Encounter',
          status: 'in-progress',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
          subject,
        }),
      ]
    : [];
  const keys = (list: Resource[]) => list.map((r) => `${r.resourceType}/${r.id}`);
  return {
    patient: patient.id!,
    patientKey: `Patient/${patient.id}`,
    observations: keys([...vitals, ...labs]),
    vitals: keys(vitals),
    labs: keys(labs),
    conditions: keys(conditions),
    encounters: keys(encounters),
  };
}

async function create<T extends Resource>(fhirUrl: string, by: Practice, resource: T): Promise<T & { id: string }> {
  const res = await fhirJson(`${fhirUrl}/${resource.resourceType}`, await by.tokens.token(), {
    method: 'POST',
    body: resource,
  });
  assert.equal(res.status, 201, `creating ${resource.resourceType}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T & { id: string };
}

/** One FHIR request with a bearer token: status and parsed body. */
export async function fhirJson(
  url: string,
  token: string | undefined,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { accept: FHIR_JSON };
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = FHIR_JSON;
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * A search followed through every `next` page: the sorted `Type/id` keys of the matches, or the
 * status of the first refused page.
 */
export async function searchAll(
  fhirUrl: string,
  token: string,
  query: string,
): Promise<{ status: number; keys: string[]; pages: number }> {
  let url: string | undefined = `${fhirUrl}/${query}`;
  const keys: string[] = [];
  let pages = 0;
  while (url) {
    const res = await fhirJson(url, token);
    if (res.status !== 200) return { status: res.status, keys, pages };
    pages++;
    assert.ok(pages < 50, 'too many pages');
    for (const entry of res.body.entry ?? []) {
      if (entry.search?.mode && entry.search.mode !== 'match') continue;
      keys.push(`${entry.resource.resourceType}/${entry.resource.id}`);
    }
    url = (res.body.link ?? []).find((l: { relation: string }) => l.relation === 'next')?.url;
  }
  return { status: 200, keys: keys.sort(), pages };
}

export const sorted = (keys: Iterable<string>): string[] => [...keys].sort();
