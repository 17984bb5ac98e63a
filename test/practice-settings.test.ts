import assert from 'node:assert/strict';
import type { Extension, Organization } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { MINOR_PROXY_AGE_URL } from '../server/access/grants/family-terms.ts';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import {
  PATIENT_INVITATIONS_URL,
  PATIENT_UPDATES_URL,
  PORTAL_CONTACT_URL,
  PORTAL_CRISIS_TEXT_URL,
} from '../server/access/practice-settings.ts';
import { NOTE_SHARING_URL, SHARING_DEFAULT_URL } from '../server/access/record-sharing.ts';
import { buildWorld, fhirFetch } from './escalation/world.ts';
import type { World } from './escalation/world.ts';

/** portal-crisis-text's `maxLength` (fhir-profiles/structure-definitions/portal-crisis-text.json). */
const MAX_CRISIS_TEXT = 2000;
/**
 * The practice settings "Patient portal and clinical sharing" (issue #13, decision 0026) over HTTP:
 * an administrator saves them with one update of the practice's Organization; hostile values are
 * refused with their path and nothing is stored; a practitioner who is not an administrator cannot
 * change them (by PUT, PATCH or deleting the record) but still changes other fields; the change is
 * audited, patients read the portal's details, and a changed sharing default applies at the very
 * next request. Who may, cell by cell, is test/escalation/write-rules.test.ts.
 */
const SETTINGS: Extension[] = [
  { url: PATIENT_INVITATIONS_URL, valueBoolean: true },
  { url: PATIENT_UPDATES_URL, valueCode: 'review' },
  { url: NOTE_SHARING_URL, valueBoolean: true },
  { url: SHARING_DEFAULT_URL, valueCode: 'results' },
  { url: SHARING_DEFAULT_URL, valueCode: 'allergies' },
  { url: MINOR_PROXY_AGE_URL, valueUnsignedInt: 16 },
  { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'phone', value: '02 9000 0000', use: 'work' } },
  { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'email', value: 'reception@example.org' } },
  { url: PORTAL_CRISIS_TEXT_URL, valueString: 'After hours call 13 00 00. In an emergency call 000.' },
];

describe('practice settings (decision 0026)', () => {
  let w: World;
  const practice = () => w.server.repo.read<Organization>('Organization', w.practiceX);
  const put = (who: Parameters<World['as']>[0], org: Organization, headers: Record<string, string> = {}) =>
    fhirFetch(`${w.server.fhirUrl}/Organization/${org.id}`, {
      method: 'PUT',
      body: org,
      headers: { ...w.as(who).headers, ...headers },
    });
  const withSettings = (org: Organization, settings: Extension[]): Organization => ({
    ...org,
    extension: [...(org.extension ?? []).filter((e) => !SETTINGS.some((s) => s.url === e.url)), ...settings],
  });

  before(async () => {
    w = await buildWorld();
  });
  after(() => w?.close());

  it('an administrator saves every setting with one update, If-Match guarding against lost changes', async () => {
    const org = await practice();
    const stale = `W/"${org.meta?.versionId}"`;
    const res = await put('adminX', withSettings(org, SETTINGS), { 'if-match': stale });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const stored = await practice();
    for (const s of SETTINGS)
      assert.ok(
        stored.extension?.some((e) => JSON.stringify(e) === JSON.stringify(s)),
        s.url,
      );
    const conflict = await put('adminX', withSettings(stored, []), { 'if-match': stale });
    assert.equal(conflict.status, 412, 'a save over a version changed meanwhile');
    assert.equal((await practice()).meta?.versionId, stored.meta?.versionId);
  });

  it('hostile values are refused with their path, and nothing is stored', async () => {
    const org = await practice();
    // The path names the extension or its value: `value[x]` when the generic check of our extension
    // definitions (server/fhir/validation/extensions.ts) finds it, the typed key when the settings' own does.
    const cases: Array<[string, Extension[], RegExp]> = [
      [
        'invitations as text',
        [{ url: PATIENT_INVITATIONS_URL, valueString: 'yes' }],
        /extension\[\d+\](\.value\[x\])?$/,
      ],
      ['an unknown updates mode', [{ url: PATIENT_UPDATES_URL, valueCode: 'sometimes' }], /value(Code|\[x\])/],
      ['an unknown sharing category', [{ url: SHARING_DEFAULT_URL, valueCode: 'everything' }], /value(Code|\[x\])/],
      ['a category twice', [SETTINGS[3]!, SETTINGS[3]!], /extension/],
      ['note sharing twice', [SETTINGS[2]!, { url: NOTE_SHARING_URL, valueBoolean: false }], /extension(\[\d+\])?$/],
      ['a proxy age of 99', [{ url: MINOR_PROXY_AGE_URL, valueUnsignedInt: 99 }], /value(UnsignedInt|\[x\])/],
      [
        'oversized crisis text',
        [{ url: PORTAL_CRISIS_TEXT_URL, valueString: 'x'.repeat(MAX_CRISIS_TEXT + 1) }],
        /value(String|\[x\])/,
      ],
      ['blank crisis text', [{ url: PORTAL_CRISIS_TEXT_URL, valueString: '   ' }], /value(String|\[x\])/],
      [
        'a contact without a value',
        [{ url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'phone' } }],
        /value(ContactPoint|\[x\])/,
      ],
      [
        'a contact of an unknown system',
        [{ url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'pigeon' as 'other', value: '1' } }],
        /value(ContactPoint|\[x\])/,
      ],
      [
        'a setting with sub-extensions',
        [{ url: PATIENT_INVITATIONS_URL, valueBoolean: true, extension: [{ url: 'x', valueString: 'y' }] }],
        /extension\[\d+\]/,
      ],
      ['a setting without a value', [{ url: PATIENT_UPDATES_URL }], /extension\[\d+\]/],
    ];
    for (const [name, settings, path] of cases) {
      const res = await put('adminX', withSettings(org, settings));
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      const expressions = (res.body.issue ?? []).flatMap((i: any) => i.expression ?? []);
      assert.ok(
        expressions.some((e: string) => e.startsWith('Organization.extension') && path.test(e)),
        `${name}: ${expressions}`,
      );
      assert.equal((await practice()).meta?.versionId, org.meta?.versionId, `${name}: nothing stored`);
    }
    // The same holds for any Organization a practice keeps (a hospital in its records).
    const other = await fhirFetch(`${w.server.fhirUrl}/Organization`, {
      method: 'POST',
      body: {
        resourceType: 'Organization',
        name: 'Hospital',
        extension: [{ url: PATIENT_UPDATES_URL, valueCode: 'x' }],
      },
      headers: w.as('pX').headers,
    });
    assert.equal(other.status, 400);
  });

  it("a practitioner who is not an administrator cannot change them, by any path, but changes the practice's other details", async () => {
    const org = await practice();
    const refused = await put('pX', withSettings(org, []));
    assert.equal(refused.status, 403);
    assert.match(
      refused.body.issue[0].details.text,
      /Only an administrator of the practice may change its patient portal/,
    );
    const patch = await fhirFetch(`${w.server.fhirUrl}/Organization/${org.id}`, {
      method: 'PATCH',
      body: [{ op: 'remove', path: '/extension' }],
      headers: { ...w.as('pX').headers, 'content-type': 'application/json-patch+json' },
    });
    assert.equal(patch.status, 403, JSON.stringify(patch.body));
    const bundle = await fhirFetch(w.server.fhirUrl, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: withSettings(org, []), request: { method: 'PUT', url: `Organization/${org.id}` } }],
      },
      headers: w.as('pX').headers,
    });
    assert.equal(bundle.status, 403, JSON.stringify(bundle.body));
    const deleted = await fhirFetch(`${w.server.fhirUrl}/Organization/${org.id}`, { method: 'DELETE', ...w.as('pX') });
    assert.equal(deleted.status, 403);
    assert.equal((await practice()).meta?.versionId, org.meta?.versionId, 'nothing stored');
    // Reordered settings are the same settings; the name is anyone's of the practice to correct.
    const renamed = await put('pX', {
      ...org,
      name: 'X Family Practice',
      extension: [...(org.extension ?? [])].reverse(),
    });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal((await practice()).name, 'X Family Practice');
  });

  it('a change is audited, and patients read the portal details from their practice', async () => {
    const org = await practice();
    const text = 'Call the after-hours line on 13 00 00.';
    const res = await put(
      'adminX',
      withSettings(org, [...SETTINGS.slice(0, -1), { url: PORTAL_CRISIS_TEXT_URL, valueString: text }]),
    );
    assert.equal(res.status, 200);
    await w.server.app.audit.flush();
    const events = (
      await w.server.repo.search({ resourceType: 'AuditEvent', filters: [], sort: [], count: 1000, total: 'none' })
    ).versions.map((v) => v.resource as any);
    assert.ok(
      events.some(
        (e) =>
          e.action === 'U' &&
          (e.entity ?? []).some((x: any) => String(x.what?.reference).startsWith(`Organization/${org.id}`)),
      ),
      'the update is in the audit trail',
    );
    const read = await fhirFetch(`${w.server.fhirUrl}/Organization/${org.id}`, w.as('patientA'));
    assert.equal(read.status, 200);
    const ext = read.body.extension as Extension[];
    assert.equal(ext.find((e) => e.url === PORTAL_CRISIS_TEXT_URL)?.valueString, text);
    assert.deepEqual(
      ext.filter((e) => e.url === PORTAL_CONTACT_URL).map((e) => e.valueContactPoint?.value),
      ['02 9000 0000', 'reception@example.org'],
    );
    assert.equal((await put('patientA', withSettings(read.body, []))).status, 403, 'patients never write it');
  });

  it("a changed sharing default applies at the patient's very next request", async () => {
    const observation = await w.save(
      { resourceType: 'Observation', status: 'final', code: { text: 'Ferritin' }, subject: { reference: w.ref.A! } },
      w.practiceX,
    );
    const seen = async () =>
      ((await fhirFetch(`${w.server.fhirUrl}/Observation?subject=${w.ref.A}`, w.as('patientA'))).body.entry ?? []).some(
        (e: any) => e.resource.id === observation.id,
      );
    const setResults = async (on: boolean) => {
      const org = await practice();
      const others = (org.extension ?? []).filter((e) => !(e.url === SHARING_DEFAULT_URL && e.valueCode === 'results'));
      const res = await put('adminX', {
        ...org,
        extension: [...others, ...(on ? [{ url: SHARING_DEFAULT_URL, valueCode: 'results' }] : [])],
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
    };
    await setResults(true);
    assert.equal(await seen(), true, 'shared by default');
    assert.equal(await seen(), true, 'still, from the warm cache');
    await setResults(false);
    assert.equal(await seen(), false, 'hidden at the next request');
    await setResults(true);
    assert.equal(await seen(), true, 'shown again at the next request');
  });

  it('a delete of an ordinary Organization a practice keeps is not a settings change', async () => {
    const hospital = await w.save<Organization>({ resourceType: 'Organization', name: 'Hospital' }, w.practiceX);
    assert.notEqual(hospital.meta?.tag?.find((t) => t.system === OWNER_SYSTEM)?.code, hospital.id);
    const res = await fhirFetch(`${w.server.fhirUrl}/Organization/${hospital.id}`, { method: 'DELETE', ...w.as('pX') });
    assert.ok(res.status >= 200 && res.status < 300, String(res.status));
  });
});
