import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { provideAuthHttpTesting, signInForTest } from '@web-shared/auth/testing';
import type { Bundle, Organization, PractitionerRole } from '@web-shared/fhir';
import { AUTH_OPTIONS } from '../app.config';
import { isAdminRole, PRACTICE_ROLE_SYSTEM, PracticeService, practicesOf, practitionerIdOf } from './practice.service';
import { expectPracticesRequest, flushPractices, operationOutcome, rolesBundle } from './practices-testing';

describe('PracticeService', () => {
  let http: HttpTestingController;
  let service: PracticeService;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideAuthHttpTesting(AUTH_OPTIONS), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
    service = TestBed.inject(PracticeService);
  });

  afterEach(() => http.verify());

  it('searches the signed-in practitioner’s roles with their organizations, with the bearer token', () => {
    signInForTest({ access_token: 'access-1' }, 'Practitioner/p1');
    service.load();
    expect(service.status()).toBe('loading');
    const req = expectPracticesRequest(http, 'p1');
    expect(req.request.method).toBe('GET');
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-1');
    req.flush(
      rolesBundle('p1', [
        { id: 'o1', name: 'Riverside', admin: true },
        { id: 'o2', name: 'Hilltop' },
      ]),
    );

    expect(service.status()).toBe('loaded');
    expect(service.practices()).toEqual([
      { id: 'o2', name: 'Hilltop', admin: false },
      { id: 'o1', name: 'Riverside', admin: true },
    ]);
    expect(service.adminPractices()).toEqual([{ id: 'o1', name: 'Riverside', admin: true }]);
  });

  it('reads them once, however often asked', () => {
    signInForTest();
    service.load();
    service.load();
    let seen: unknown;
    service.loaded().subscribe((p) => (seen = p));
    flushPractices(http, [{ id: 'o1', name: 'Riverside' }]);
    service.load();
    http.expectNone(() => true);
    expect(seen).toEqual([{ id: 'o1', name: 'Riverside', admin: false }]);
  });

  it('follows next links to the last page', () => {
    signInForTest();
    service.load();
    const first = rolesBundle('p1', [{ id: 'o1', name: 'Riverside' }]);
    first.link = [{ relation: 'next', url: 'https://elsewhere.example/fhir/R4/PractitionerRole?_cursor=2' }];
    expectPracticesRequest(http).flush(first);
    http
      .expectOne('/fhir/R4/PractitionerRole?_cursor=2')
      .flush(rolesBundle('p1', [{ id: 'o9', name: 'Annex', admin: true }]));
    expect(service.practices().map((p) => p.id)).toEqual(['o9', 'o1']);
    expect(service.adminPractices().map((p) => p.id)).toEqual(['o9']);
  });

  it('keeps the error messages and tries again when forced', () => {
    signInForTest();
    service.load();
    expectPracticesRequest(http).flush(operationOutcome('Search refused'), { status: 403, statusText: 'Forbidden' });
    expect(service.status()).toBe('error');
    expect(service.errors()).toEqual(['Search refused']);
    expect(service.adminPractices()).toEqual([]);

    service.load(true);
    flushPractices(http, [{ id: 'o1', name: 'Riverside', admin: true }]);
    expect(service.status()).toBe('loaded');
    expect(service.errors()).toEqual([]);
  });

  it('asks nothing for a user who is not a practitioner', () => {
    signInForTest({}, 'Patient/x');
    service.load();
    http.expectNone(() => true);
    expect(service.status()).toBe('loaded');
    expect(service.practices()).toEqual([]);
  });

  it('shows no practices of a previous user', () => {
    signInForTest({ access_token: 'a' }, 'Practitioner/p1');
    service.load();
    flushPractices(http, [{ id: 'o1', name: 'Riverside', admin: true }]);
    expect(service.adminPractices().length).toBe(1);

    signInForTest({ access_token: 'b' }, 'Practitioner/p2');
    expect(service.adminPractices()).toEqual([]);
    service.load();
    flushPractices(http, [{ id: 'o2', name: 'Hilltop' }], 'p2');
    expect(service.practices()).toEqual([{ id: 'o2', name: 'Hilltop', admin: false }]);
  });
});

describe('practicesOf', () => {
  const role = (
    org: string,
    codes: { system?: string; code?: string }[],
    extra: Partial<PractitionerRole> = {},
  ): PractitionerRole => ({
    resourceType: 'PractitionerRole',
    organization: { reference: org },
    code: [{ coding: codes }],
    ...extra,
  });
  const bundle = (...resources: (PractitionerRole | Organization)[]): Bundle<PractitionerRole | Organization> => ({
    resourceType: 'Bundle',
    type: 'searchset',
    entry: resources.map((resource) => ({ resource })),
  });

  it('is admin only for the practice-role system’s admin code', () => {
    expect(isAdminRole(role('Organization/o1', [{ system: PRACTICE_ROLE_SYSTEM, code: 'admin' }]))).toBeTrue();
    expect(isAdminRole(role('Organization/o1', [{ system: 'http://other.example/roles', code: 'admin' }]))).toBeFalse();
    expect(isAdminRole(role('Organization/o1', [{ code: 'admin' }]))).toBeFalse();
    expect(isAdminRole(role('Organization/o1', [{ system: PRACTICE_ROLE_SYSTEM, code: 'practitioner' }]))).toBeFalse();
    expect(isAdminRole({ resourceType: 'PractitionerRole' })).toBeFalse();
  });

  it('merges roles per practice, skips inactive roles, and names practices without an included Organization by id', () => {
    const practices = practicesOf([
      bundle(
        role('Organization/o1', [{ system: PRACTICE_ROLE_SYSTEM, code: 'practitioner' }]),
        role('https://app.example/fhir/R4/Organization/o1', [{ system: PRACTICE_ROLE_SYSTEM, code: 'admin' }]),
        role('Organization/o2', [{ system: PRACTICE_ROLE_SYSTEM, code: 'admin' }], { active: false }),
        role('Organization/o3', []),
        { resourceType: 'Organization', id: 'o1', name: 'Riverside' },
      ),
    ]);
    expect(practices).toEqual([
      { id: 'o3', name: 'Organization/o3', admin: false },
      { id: 'o1', name: 'Riverside', admin: true },
    ]);
  });

  it('takes the Practitioner id from fhirUser', () => {
    expect(practitionerIdOf('Practitioner/p-1.2')).toBe('p-1.2');
    expect(practitionerIdOf('Patient/p1')).toBeNull();
    expect(practitionerIdOf('https://app.example/fhir/R4/Practitioner/p1')).toBeNull();
    expect(practitionerIdOf(null)).toBeNull();
  });
});
