// Test support for specs only (nothing in the app imports this file).
import type { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import type { Bundle, Organization, PractitionerRole } from '@web-shared/fhir';
import { PRACTICE_ADMIN_CODE, PRACTICE_ROLE_SYSTEM } from './practice.service';

export interface TestMembership {
  id: string;
  name: string;
  admin?: boolean;
}

/** What `PractitionerRole?practitioner=…&_include=PractitionerRole:organization` answers for these memberships. */
export function rolesBundle(
  practitionerId: string,
  memberships: TestMembership[],
): Bundle<PractitionerRole | Organization> {
  const roles: PractitionerRole[] = memberships.map((m, i) => ({
    resourceType: 'PractitionerRole',
    id: `role-${i}`,
    active: true,
    practitioner: { reference: `Practitioner/${practitionerId}` },
    organization: { reference: `Organization/${m.id}` },
    code: [
      { coding: [{ system: PRACTICE_ROLE_SYSTEM, code: m.admin ? PRACTICE_ADMIN_CODE : 'practitioner' }] },
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'doctor' }] },
    ],
  }));
  const organizations: Organization[] = memberships.map((m) => ({
    resourceType: 'Organization',
    id: m.id,
    name: m.name,
  }));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: [
      ...roles.map((resource) => ({ resource, search: { mode: 'match' as const } })),
      ...organizations.map((resource) => ({ resource, search: { mode: 'include' as const } })),
    ],
  };
}

/** The practices request, exactly as the contract has it. */
export function expectPracticesRequest(http: HttpTestingController, practitionerId = 'p1'): TestRequest {
  return http.expectOne(
    `/fhir/R4/PractitionerRole?practitioner=${practitionerId}&_include=PractitionerRole:organization`,
  );
}

/** Answers the practices request with these memberships. */
export function flushPractices(
  http: HttpTestingController,
  memberships: TestMembership[],
  practitionerId = 'p1',
): void {
  expectPracticesRequest(http, practitionerId).flush(rolesBundle(practitionerId, memberships));
}

export function operationOutcome(text: string, code = 'forbidden') {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}
