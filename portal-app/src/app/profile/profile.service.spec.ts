import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideAuthTesting, signInForTest } from '@web-shared/auth/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { firstValueFrom } from 'rxjs';
import { AUTH_OPTIONS } from '../app.config';
import { ProfileService } from './profile.service';
import { PATIENT_UPDATES_URL } from './update-profile';

const OWNER = 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice';

describe('ProfileService', () => {
  let http: HttpTestingController;
  let service: ProfileService;

  beforeEach(() => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    signInForTest({}, 'Person/pe1');
    service = TestBed.inject(ProfileService);
  });
  afterEach(() => http.verify());

  it('reads the practice of a record the search did not include (owner tag only), and copes with one it cannot read', async () => {
    const records = firstValueFrom(service.records(['p1', 'p2', 'p3']));
    http
      .expectOne((r) => r.url === '/fhir/R4/Patient' && r.params.get('_id') === 'p1,p2,p3')
      .flush({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'Patient',
              id: 'p1',
              meta: { versionId: '2' },
              managingOrganization: { reference: 'Organization/o1' },
            },
          },
          {
            resource: {
              resourceType: 'Patient',
              id: 'p2',
              meta: { versionId: '3', tag: [{ system: OWNER, code: 'o2' }] },
            },
          },
          { resource: { resourceType: 'Patient', id: 'p3', meta: { tag: [{ system: OWNER, code: 'o3' }] } } },
          { resource: { resourceType: 'Organization', id: 'o1', name: 'Harbourside' }, search: { mode: 'include' } },
        ],
      });
    http.expectOne('/fhir/R4/Organization/o2').flush({
      resourceType: 'Organization',
      id: 'o2',
      name: 'Quay',
      extension: [{ url: PATIENT_UPDATES_URL, valueCode: 'review' }],
    });
    http.expectOne('/fhir/R4/Organization/o3').flush(null, { status: 403, statusText: 'Forbidden' });
    expect(await records).toEqual([
      { patientId: 'p1', version: '2', organizationId: 'o1', practiceName: 'Harbourside', mode: 'disabled' },
      { patientId: 'p2', version: '3', organizationId: 'o2', practiceName: 'Quay', mode: 'review' },
      { patientId: 'p3', version: undefined, organizationId: 'o3', practiceName: 'Your practice', mode: 'disabled' },
    ]);
  });

  it('asks nothing for a Person without records', async () => {
    expect(await firstValueFrom(service.records([]))).toEqual([]);
  });

  it('posts $update-profile as FHIR JSON to the signed-in Person', () => {
    service.save({ resourceType: 'Person', id: 'pe1', meta: { versionId: '1' } }, []).subscribe();
    const req = http.expectOne({ method: 'POST', url: '/fhir/R4/Person/pe1/$update-profile' });
    expect(req.request.headers.get('Content-Type')).toBe('application/fhir+json');
    expect(req.request.body.resourceType).toBe('Parameters');
    req.flush({ resourceType: 'Parameters' });
  });

  it('searches social history by category and proposals by their Task code', () => {
    service.socialHistory().subscribe();
    service.proposals().subscribe();
    expect(http.expectOne((r) => r.url === '/fhir/R4/Observation').request.params.get('category')).toBe(
      'http://terminology.hl7.org/CodeSystem/observation-category|social-history',
    );
    expect(http.expectOne((r) => r.url === '/fhir/R4/Task').request.params.get('code')).toBe(
      'https://patient-portal.example.org/fhir/CodeSystem/portal-task|patient-update',
    );
  });
});
