// Test support for specs only (nothing in the app imports this file).
import { HttpTestingController, type TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { provideRouter } from '@angular/router';
import { provideAuthHttpTesting, signInForTest } from '@web-shared/auth/testing';
import type { Bundle, Organization, PractitionerRole } from '@web-shared/fhir';
import { AUTH_OPTIONS } from '../app.config';
import { PRACTICE_ADMIN_CODE, PRACTICE_ROLE_SYSTEM } from './practice.service';

/**
 * The TestBed of a spec of a practitioner's page: the console's HTTP client and auth under test, a
 * router, no animations, signed in as Practitioner/p1 with the access token `access-1`. Returns the
 * HttpTestingController to answer requests with.
 */
export function setUpPractitionerTestBed(): HttpTestingController {
  TestBed.configureTestingModule({
    providers: [
      provideAuthHttpTesting(AUTH_OPTIONS),
      provideRouter([]),
      { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
    ],
  });
  const http = TestBed.inject(HttpTestingController);
  signInForTest({ access_token: 'access-1' }, 'Practitioner/p1');
  return http;
}

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
