import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Resource, StructureDefinition } from '@medplum/fhirtypes';
import { loadDefinitions } from '../definitions.ts';
import { FhirError } from '../outcomes.ts';
import { ExtensionRules } from './extensions.ts';
import { withSnapshot } from './snapshot.ts';
import { loadProfiles, ResourceValidator } from './validator.ts';

const PROFILES = join(import.meta.dirname, '..', '..', '..', 'fhir-profiles');
const SD = 'https://patient-portal.example.org/fhir/StructureDefinition/';
const DEFAULT = `${SD}record-sharing-default`;
const NOTES = `${SD}note-sharing`;
const AGE = `${SD}minor-proxy-age`;

describe('our extensions, validated wherever they appear', () => {
  let validator: ResourceValidator;
  /** The FHIRPaths of the errors of `resource` (empty when it is valid). */
  const errors = (resource: object): string[] =>
    validator
      .issues(resource as Resource)
      .filter((i) => i.severity === 'error')
      .flatMap((i) => i.expression ?? []);
  const organization = (...extension: object[]): object => ({ resourceType: 'Organization', name: 'P', extension });

  before(() => {
    loadDefinitions();
    validator = new ResourceValidator(loadProfiles(PROFILES));
  });

  it('enforces every Extension definition in fhir-profiles/structure-definitions, with no list to keep', () => {
    const dir = join(PROFILES, 'structure-definitions');
    const extensions = readdirSync(dir)
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as StructureDefinition)
      .filter((sd) => sd.type === 'Extension')
      .map((sd) => sd.url);
    assert.ok(extensions.includes(DEFAULT) && extensions.includes(NOTES) && extensions.includes(AGE));
    assert.deepEqual(
      new ExtensionRules(loadProfiles(PROFILES).values()).urls.sort(),
      extensions.sort(),
      'an Extension definition of the folder is not enforced',
    );
  });

  it('accepts the practice settings as the demo data and the sharing tests write them', () => {
    const settings = organization(
      { url: DEFAULT, valueCode: 'results' },
      { url: DEFAULT, valueCode: 'questionnaire-responses' },
      { url: NOTES, valueBoolean: true },
      { url: AGE, valueUnsignedInt: 16 },
      { url: 'http://other.example/their-extension', valueString: 'not ours: not checked' },
    );
    assert.deepEqual(errors(settings), []);
    validator.validate(settings as Resource);
  });

  it('refuses a value of the wrong type, naming the path of the value', () => {
    assert.deepEqual(errors(organization({ url: NOTES, valueString: 'yes' })), ['Organization.extension[0].value[x]']);
    assert.deepEqual(errors(organization({ url: NOTES, valueBoolean: true }, { url: DEFAULT, valueString: 'notes' })), [
      'Organization.extension[1].value[x]',
    ]);
    assert.deepEqual(errors(organization({ url: AGE, valueInteger: 16 })), ['Organization.extension[0].value[x]']);
  });

  it('refuses a code outside the value set of a required binding', () => {
    const issues = validator.issues(organization({ url: DEFAULT, valueCode: 'everything' }) as Resource);
    assert.deepEqual(
      issues.flatMap((i) => i.expression),
      ['Organization.extension[0].value[x]'],
    );
    assert.equal(issues[0]?.code, 'code-invalid');
    assert.match(issues[0]?.details?.text ?? '', /'everything'.*record-sharing-category/);
    // Codes are case-sensitive, as everywhere.
    assert.deepEqual(errors(organization({ url: DEFAULT, valueCode: 'Results' })), [
      'Organization.extension[0].value[x]',
    ]);
  });

  it('refuses a missing value, a value out of range, parts where there are none', () => {
    assert.ok(errors(organization({ url: NOTES })).includes('Organization.extension[0].value[x]'));
    assert.deepEqual(errors(organization({ url: AGE, valueUnsignedInt: 30 })), ['Organization.extension[0].value[x]']);
    assert.deepEqual(errors(organization({ url: AGE, valueUnsignedInt: 0 })), ['Organization.extension[0].value[x]']);
    assert.deepEqual(errors(organization({ url: AGE, valueUnsignedInt: 25 })), []);
    assert.ok(
      errors(
        organization({ url: NOTES, valueBoolean: true, extension: [{ url: 'http://x', valueString: 'y' }] }),
      ).includes('Organization.extension[0].extension'),
    );
  });

  it('refuses more occurrences than the definition allows on one element (repeating ones may repeat)', () => {
    assert.deepEqual(errors(organization({ url: NOTES, valueBoolean: true }, { url: NOTES, valueBoolean: false })), [
      'Organization.extension',
    ]);
    assert.deepEqual(
      errors(organization({ url: DEFAULT, valueCode: 'notes' }, { url: DEFAULT, valueCode: 'results' })),
      [],
    );
  });

  it('refuses an extension outside its context: another resource type, another element, modifierExtension', () => {
    assert.deepEqual(errors({ resourceType: 'Patient', extension: [{ url: NOTES, valueBoolean: true }] }), [
      'Patient.extension[0]',
    ]);
    assert.deepEqual(
      errors({ resourceType: 'Organization', contact: [{ extension: [{ url: DEFAULT, valueCode: 'notes' }] }] }),
      ['Organization.contact[0].extension[0]'],
    );
    assert.deepEqual(
      errors({ resourceType: 'Organization', _name: { extension: [{ url: AGE, valueUnsignedInt: 18 }] }, name: 'P' }),
      ['Organization.name.extension[0]'],
    );
    assert.deepEqual(
      errors({ resourceType: 'Organization', modifierExtension: [{ url: NOTES, valueBoolean: true }] }),
      ['Organization.modifierExtension[0]'],
    );
  });

  it('checks contained resources and Bundle entries in their own context', () => {
    const contained = {
      resourceType: 'Patient',
      contained: [organization({ url: NOTES, valueBoolean: true })],
    };
    assert.deepEqual(errors(contained), []);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: organization({ url: NOTES, valueString: 'yes' }),
          request: { method: 'POST', url: 'Organization' },
        },
      ],
    };
    assert.deepEqual(errors(bundle), ['Bundle.entry[0].resource.extension[0].value[x]']);
  });

  it('the validator refuses the resource with a 400 OperationOutcome naming the path', () => {
    assert.throws(
      () => validator.validate(organization({ url: DEFAULT, valueCode: 'everything' }) as Resource),
      (err: unknown) => {
        assert.ok(err instanceof FhirError);
        assert.equal(err.status, 400);
        assert.ok(err.outcome.issue?.some((i) => i.expression?.includes('Organization.extension[0].value[x]')));
        return true;
      },
    );
  });

  describe("a complex extension's parts (emergency-contact: slices of Extension.extension by url)", () => {
    const CONTACT = `${SD}emergency-contact`;
    const person = (...extension: object[]): object => ({ resourceType: 'Person', extension });
    const name = { url: 'name', valueHumanName: { family: 'Kin' } };
    const phone = { url: 'telecom', valueContactPoint: { system: 'phone', value: '1' } };
    const relationship = {
      url: 'relationship',
      valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N' }] },
    };

    it('accepts a contact with its parts, and refuses each part out of its definition with its path', () => {
      assert.deepEqual(errors(person({ url: CONTACT, extension: [relationship, name, phone, phone, phone] })), []);
      assert.deepEqual(errors(person({ url: CONTACT, extension: [relationship, phone] })), [
        'Person.extension[0].extension',
      ]);
      assert.deepEqual(errors(person({ url: CONTACT, extension: [name, { url: 'name', valueString: 'Kin' }] })), [
        'Person.extension[0].extension[1].value[x]',
        'Person.extension[0].extension',
      ]);
      assert.deepEqual(errors(person({ url: CONTACT, extension: [name, { url: 'notes', valueString: 'x' }] })), [
        'Person.extension[0].extension[1]',
      ]);
      assert.deepEqual(errors(person({ url: CONTACT, extension: [name, phone, phone, phone, phone] })), [
        'Person.extension[0].extension',
      ]);
      assert.ok(errors(person({ url: CONTACT, valueString: 'Kin' })).includes('Person.extension[0].value[x]'));
    });

    it('at most 10 on a Person, and only on a Person', () => {
      const contact = { url: CONTACT, extension: [name] };
      assert.deepEqual(errors(person(...Array.from({ length: 10 }, () => contact))), []);
      assert.deepEqual(errors(person(...Array.from({ length: 11 }, () => contact))), ['Person.extension']);
      assert.deepEqual(errors({ resourceType: 'Patient', extension: [contact] }), ['Patient.extension[0]']);
    });

    it('slices anywhere else still stop the start-up', () => {
      const sliced: StructureDefinition = {
        resourceType: 'StructureDefinition',
        url: `${SD}sliced`,
        name: 'Sliced',
        status: 'draft',
        kind: 'resource',
        abstract: false,
        type: 'Patient',
        baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
        derivation: 'constraint',
        differential: { element: [{ id: 'Patient.name:official', path: 'Patient.name', sliceName: 'official' }] },
      };
      assert.throws(() => withSnapshot(sliced, 'sliced.json'), /slicing is not supported/);
    });
  });

  describe('a new Extension definition is enforced as it is written', () => {
    let dir = '';
    const definition = (extra: Partial<StructureDefinition>, value: object): StructureDefinition =>
      withSnapshot(
        {
          resourceType: 'StructureDefinition',
          url: `${SD}test-extension`,
          name: 'TestExtension',
          status: 'draft',
          kind: 'complex-type',
          abstract: false,
          type: 'Extension',
          baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
          derivation: 'constraint',
          context: [{ type: 'element', expression: 'HumanName' }],
          differential: {
            element: [
              { id: 'Extension', path: 'Extension', max: '1' },
              { id: 'Extension.value[x]', path: 'Extension.value[x]', min: 1, type: [{ code: 'string' }], ...value },
            ],
          },
          ...extra,
        },
        'test',
      );

    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'extension-rules-'));
      writeFileSync(join(dir, 'test-extension.json'), JSON.stringify(definition({}, { maxLength: 5 })));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('a file dropped in the folder: its context by data type, value type and length are checked', () => {
      const own = new ResourceValidator(loadProfiles(dir));
      const patient = (where: 'name' | 'root', value: object): Resource =>
        (where === 'name'
          ? { resourceType: 'Patient', name: [{ family: 'F', extension: [{ url: `${SD}test-extension`, ...value }] }] }
          : { resourceType: 'Patient', extension: [{ url: `${SD}test-extension`, ...value }] }) as Resource;
      const paths = (r: Resource) =>
        own
          .issues(r)
          .filter((i) => i.severity === 'error')
          .flatMap((i) => i.expression ?? []);
      assert.deepEqual(paths(patient('name', { valueString: 'short' })), []);
      assert.deepEqual(paths(patient('name', { valueString: 'too long' })), ['Patient.name[0].extension[0].value[x]']);
      assert.deepEqual(paths(patient('name', { valueBoolean: true })), ['Patient.name[0].extension[0].value[x]']);
      assert.deepEqual(paths(patient('root', { valueString: 'short' })), ['Patient.extension[0]']);
    });

    it('a definition it cannot enforce fully stops the start-up with a clear error', () => {
      assert.throws(
        () => new ExtensionRules([definition({ context: [{ type: 'fhirpath', expression: 'Patient.name' }] }, {})]),
        /context of type fhirpath is not supported/,
      );
      assert.throws(() => new ExtensionRules([definition({ context: [] }, {})]), /no context/);
      assert.throws(
        () =>
          new ExtensionRules([
            definition(
              {},
              { type: [{ code: 'code' }], binding: { strength: 'required', valueSet: 'http://nowhere/vs' } },
            ),
          ]),
        /cannot be checked/,
      );
    });
  });
});
