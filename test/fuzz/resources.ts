/**
 * Valid R4 resources for the fuzz test to start from: the seeded records, the resources that grant
 * access (PractitionerRole, RelatedPerson, Person links, Patient.link, Consent), compartment
 * resources with references in many places, a Binary, contained resources and a Bundle.
 */
export interface FuzzIds {
  practiceId: string;
  patient: string;
  patient2: string;
  observation: string;
  appointment: string;
  bundle: string;
  practitioner: string;
}

export const SEED_IDS: Omit<FuzzIds, 'practiceId'> = {
  patient: 'fz-patient',
  patient2: 'fz-patient-2',
  observation: 'fz-obs',
  appointment: 'fz-appt',
  bundle: 'fz-bundle',
  practitioner: 'fz-prac',
};

type Json = Record<string, unknown>;

export function templates(ids: FuzzIds): Record<string, () => Json> {
  const patient = { reference: `Patient/${ids.patient}` };
  const patient2 = { reference: `Patient/${ids.patient2}` };
  const practitioner = { reference: `Practitioner/${ids.practitioner}` };
  const organization = { reference: `Organization/${ids.practiceId}` };
  const code = { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' };
  return {
    Patient: () => ({
      resourceType: 'Patient',
      meta: {
        tag: [{ system: 'http://example.org/tags', code: 'fuzz' }],
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }],
        profile: ['http://example.org/StructureDefinition/unknown'],
      },
      identifier: [{ system: 'http://example.org/mrn', value: 'MRN-1' }],
      active: true,
      name: [{ use: 'official', family: 'Fuzz', given: ['Pat', 'Q'] }],
      telecom: [{ system: 'phone', value: '+1 555 0100' }],
      gender: 'female',
      birthDate: '1980-02-29',
      _birthDate: { extension: [{ url: 'http://example.org/birth-time', valueDateTime: '1980-02-29T10:00:00Z' }] },
      address: [{ line: ['1 Main St'], city: 'Town', postalCode: '12345' }],
      generalPractitioner: [practitioner],
      managingOrganization: organization,
      link: [{ other: patient2, type: 'seealso' }],
    }),
    Observation: () => ({
      resourceType: 'Observation',
      status: 'final',
      category: [
        { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] },
      ],
      code,
      subject: patient,
      effectiveDateTime: '2024-05-01T10:00:00Z',
      performer: [practitioner],
      valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
      component: [{ code, valueQuantity: { value: 70, unit: '/min' } }],
      hasMember: [{ reference: `Observation/${ids.observation}` }],
    }),
    Appointment: () => ({
      resourceType: 'Appointment',
      status: 'booked',
      description: 'Group session',
      start: '2025-01-01T09:00:00Z',
      end: '2025-01-01T10:00:00Z',
      participant: [
        { actor: patient, status: 'accepted' },
        { actor: patient2, status: 'accepted' },
        { actor: practitioner, status: 'accepted' },
      ],
    }),
    Bundle: () => ({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'urn:uuid:6a0e7bd4-1c1d-4d6f-8f1e-2a3c4b5d6e7f',
          resource: { resourceType: 'Patient', name: [{ family: 'Inside' }] },
        },
      ],
    }),
    Encounter: () => ({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject: patient,
      participant: [{ individual: practitioner }],
      period: { start: '2024-01-01', end: '2024-01-02' },
    }),
    Condition: () => ({
      resourceType: 'Condition',
      subject: patient,
      code: { text: 'Asthma' },
      recordedDate: '2023-03-03',
      asserter: practitioner,
    }),
    MedicationRequest: () => ({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'Aspirin' },
      subject: patient,
      requester: practitioner,
      dosageInstruction: [{ text: 'daily', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } } }],
    }),
    Practitioner: () => ({
      resourceType: 'Practitioner',
      name: [{ family: 'Doctor', given: ['Fuzz'] }],
      identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567890' }],
    }),
    PractitionerRole: () => ({
      resourceType: 'PractitionerRole',
      active: true,
      practitioner,
      organization,
      code: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor' }] }],
    }),
    Organization: () => ({ resourceType: 'Organization', active: true, name: 'Fuzz clinic', partOf: organization }),
    RelatedPerson: () => ({
      resourceType: 'RelatedPerson',
      active: true,
      patient,
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
      name: [{ family: 'Parent' }],
      period: { start: '2020-01-01', end: '2030-01-01' },
    }),
    Person: () => ({
      resourceType: 'Person',
      name: [{ family: 'Account' }],
      link: [{ target: patient, assurance: 'level2' }, { target: patient2 }],
    }),
    Consent: () => ({
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ text: 'share' }],
      patient,
      performer: [patient],
      provision: { actor: [{ role: { text: 'grantee' }, reference: patient2 }] },
      policyRule: { text: 'policy' },
    }),
    Binary: () => ({ resourceType: 'Binary', contentType: 'text/plain', securityContext: patient, data: 'aGVsbG8=' }),
    DocumentReference: () => ({
      resourceType: 'DocumentReference',
      status: 'current',
      subject: patient,
      author: [practitioner],
      content: [{ attachment: { contentType: 'text/plain', data: 'aGVsbG8=', title: 'note' } }],
    }),
    QuestionnaireResponse: () => ({
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      subject: patient,
      author: patient,
      item: [
        {
          linkId: '1',
          answer: [{ valueString: 'yes' }, { valueReference: patient2 }],
          item: [{ linkId: '1.1', answer: [{ valueBoolean: true }] }],
        },
      ],
    }),
    Group: () => ({
      resourceType: 'Group',
      type: 'person',
      actual: true,
      member: [{ entity: patient }, { entity: patient2 }],
    }),
    CarePlan: () => ({
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'plan',
      subject: patient,
      contained: [
        { resourceType: 'Goal', id: 'g1', lifecycleStatus: 'active', description: { text: 'walk' }, subject: patient },
      ],
      goal: [{ reference: '#g1' }],
    }),
    Immunization: () => ({
      resourceType: 'Immunization',
      status: 'completed',
      vaccineCode: { text: 'flu' },
      patient,
      occurrenceDateTime: '2023-10-01',
      performer: [{ actor: practitioner }],
    }),
    AuditEvent: () => ({
      resourceType: 'AuditEvent',
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110110' },
      recorded: '2024-01-01T00:00:00Z',
      agent: [{ who: practitioner, requestor: true }],
      source: { observer: organization },
      entity: [{ what: patient }],
    }),
    Schedule: () => ({ resourceType: 'Schedule', active: true, actor: [practitioner] }),
    Slot: () => ({
      resourceType: 'Slot',
      schedule: { reference: 'Schedule/fz-schedule' },
      status: 'free',
      start: '2025-01-01T09:00:00Z',
      end: '2025-01-01T09:30:00Z',
    }),
  };
}
