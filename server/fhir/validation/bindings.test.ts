import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../definitions.ts';
import { FhirError } from '../outcomes.ts';
import { bindingIssues, bindingProblem, checkedBindings, skippedBindings } from './bindings.ts';
import { ResourceValidator } from './validator.ts';

const paths = (resource: object): string[] =>
  bindingIssues(resource as Record<string, unknown>).flatMap((i) => i.expression ?? []);
const observation = (extra: object = {}): object => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'x' },
  ...extra,
});

describe('required bindings', () => {
  before(() => loadDefinitions());

  it('refuses a code outside the value set of a required binding, naming its path', () => {
    assert.deepEqual(paths(observation()), []);
    assert.deepEqual(paths(observation({ status: 'not-a-status' })), ['Observation.status']);
    const [issue] = bindingIssues(observation({ status: 'not-a-status' }) as Record<string, unknown>);
    assert.equal(issue?.severity, 'error');
    assert.equal(issue?.code, 'code-invalid');
    assert.match(issue?.details?.text ?? '', /'not-a-status'.*observation-status/);
    // Codes are case-sensitive.
    assert.deepEqual(paths(observation({ status: 'Final' })), ['Observation.status']);
    assert.deepEqual(paths({ resourceType: 'Patient', gender: 'female' }), []);
    assert.deepEqual(paths({ resourceType: 'Patient', gender: 'f' }), ['Patient.gender']);
  });

  it('checks inside data types, backbone elements, extensions, primitive extensions and contained resources', () => {
    const patient = {
      resourceType: 'Patient',
      name: [{ use: 'official' }, { use: 'nickname' }, { use: 'alias' }],
      telecom: [{ system: 'pager', use: 'mobile' }, { system: 'fax-machine' }],
      contact: [{ gender: 'unknown', address: { use: 'billing', type: 'virtual' } }],
      identifier: [{ use: 'official', assigner: { identifier: { use: 'secret' } } }],
      extension: [{ url: 'http://x', valueQuantity: { value: 1, comparator: '~' } }],
      _birthDate: { extension: [{ url: 'http://x', valueAge: { value: 1, comparator: 'approx' } }] },
      contained: [{ resourceType: 'Observation', status: 'done', code: { text: 'x' } }],
    };
    assert.deepEqual(paths(patient), [
      'Patient.name[2].use',
      'Patient.telecom[1].system',
      'Patient.contact[0].address.type',
      'Patient.identifier[0].assigner.identifier.use',
      'Patient.extension[0].valueQuantity.comparator',
      'Patient._birthDate.extension[0].valueAge.comparator',
      'Patient.contained[0].status',
    ]);
    assert.deepEqual(
      paths(observation({ component: [{ code: { text: 'c' }, valueQuantity: { value: 1, comparator: 'about' } }] })),
      ['Observation.component[0].valueQuantity.comparator'],
    );
  });

  it('a CodeableConcept meets the binding when one of its codings is in the value set', () => {
    const clinical = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
    const condition = (clinicalStatus: object): object => ({
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      clinicalStatus,
    });
    assert.deepEqual(paths(condition({ coding: [{ system: clinical, code: 'active' }] })), []);
    assert.deepEqual(
      paths(
        condition({
          coding: [
            { system: 'http://x', code: 'on' },
            { system: clinical, code: 'remission' },
          ],
        }),
      ),
      [],
    );
    assert.deepEqual(paths(condition({ coding: [{ system: clinical, code: 'on' }] })), ['Condition.clinicalStatus']);
    // The right code in another system is not the code.
    assert.deepEqual(paths(condition({ coding: [{ system: 'http://snomed.info/sct', code: 'active' }] })), [
      'Condition.clinicalStatus',
    ]);
    // Nothing coded to judge: text only, or codings without a code.
    assert.deepEqual(paths(condition({ text: 'active' })), []);
    assert.deepEqual(paths(condition({ coding: [{ display: 'Active' }] })), []);
  });

  it('a Coding meets the binding by system and code (by code alone when it has no system)', () => {
    const vs = 'http://hl7.org/fhir/ValueSet/condition-clinical';
    const system = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
    assert.equal(bindingProblem({ system, code: 'active' }, 'Coding', vs), undefined);
    assert.equal(bindingProblem({ code: 'active' }, 'Coding', vs), undefined);
    assert.equal(bindingProblem({ display: 'no code' }, 'Coding', vs), undefined);
    assert.match(bindingProblem({ system, code: 'nope' }, 'Coding', vs) ?? '', /nope/);
    assert.match(bindingProblem({ system: 'http://x', code: 'active' }, 'Coding', vs) ?? '', /http:\/\/x\|active/);
    // A value set that cannot be expanded here is never a reason to refuse.
    assert.equal(bindingProblem('anything/at-all', 'code', 'http://hl7.org/fhir/ValueSet/mimetypes'), undefined);
  });

  it('extensible, preferred and example bindings are not errors', () => {
    // Encounter.class (extensible), Patient.maritalStatus (extensible), Observation.category
    // (preferred), Observation.code (example), Resource.language (preferred).
    const encounter = { resourceType: 'Encounter', status: 'finished', class: { system: 'http://x', code: 'home' } };
    assert.deepEqual(paths(encounter), []);
    assert.deepEqual(
      paths({
        resourceType: 'Patient',
        maritalStatus: { coding: [{ system: 'http://x', code: 'q' }] },
        language: 'xx-nope',
      }),
      [],
    );
    assert.deepEqual(
      paths(
        observation({
          category: [{ coding: [{ system: 'http://x', code: 'y' }] }],
          code: { coding: [{ system: 'http://x', code: 'z' }] },
        }),
      ),
      [],
    );
    assert.equal(checkedBindings().has('Encounter.class'), false);
    assert.equal(checkedBindings().get('Observation.status'), 'http://hl7.org/fhir/ValueSet/observation-status|4.0.1');
  });

  it('skips required bindings whose value set cannot be expanded from what ships (MIME types, currencies, UCUM)', () => {
    const skipped = skippedBindings();
    assert.match(skipped.get('Attachment.contentType')?.reason ?? '', /urn:ietf:bcp:13/);
    assert.match(skipped.get('Money.currency')?.reason ?? '', /iso:4217/);
    const report = {
      resourceType: 'DiagnosticReport',
      status: 'final',
      code: { text: 'x' },
      presentedForm: [{ contentType: 'application/x-whatever' }],
    };
    assert.deepEqual(paths(report), []);
    // Units of time list their UCUM codes explicitly: checked.
    const request = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/1' },
      medicationCodeableConcept: { text: 'm' },
      dosageInstruction: [{ timing: { repeat: { periodUnit: 'fortnight' } } }],
    };
    assert.deepEqual(paths(request), ['MedicationRequest.dosageInstruction[0].timing.repeat.periodUnit']);
  });

  it('the validator refuses the resource with 400 and the path; $validate reports it as an error', () => {
    const validator = new ResourceValidator(new Map());
    const bad = observation({ status: 'not-a-status' }) as Resource;
    assert.throws(
      () => validator.validate(bad),
      (err: unknown) => {
        assert.ok(err instanceof FhirError);
        assert.equal(err.status, 400);
        assert.ok(
          err.outcome.issue?.some((i) => i.expression?.includes('Observation.status')),
          JSON.stringify(err.outcome),
        );
        return true;
      },
    );
    assert.ok(
      validator.issues(bad).some((i) => i.severity === 'error' && i.expression?.includes('Observation.status')),
    );
    validator.validate(observation() as Resource);
  });
});
