import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '@web-shared/testing';
import type { DirectoryEntry } from './directory';
import { PractitionerDirectoryService } from './practitioner-directory.service';

describe('PractitionerDirectoryService', () => {
  let http: HttpTestingController;
  let service: PractitionerDirectoryService;

  beforeEach(() => {
    http = configureHttpTesting();
    service = TestBed.inject(PractitionerDirectoryService);
  });

  afterEach(() => http.verify());

  it('requests roles and practitioners together and joins them', () => {
    let entries: DirectoryEntry[] | undefined;
    service.load().subscribe((e) => (entries = e));

    const roles = http.expectOne('/fhir/R4/PractitionerRole?_count=100');
    const practitioners = http.expectOne('/fhir/R4/Practitioner?_count=100');
    expect(roles.request.headers.get('Accept')).toBe('application/fhir+json');
    roles.flush({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'PractitionerRole',
            practitioner: { reference: 'Practitioner/p1' },
            specialty: [{ text: 'Dermatology' }],
          },
        },
      ],
    });
    expect(entries).toBeUndefined();
    practitioners.flush({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Ng', given: ['Mai'] }] } }],
    });
    expect(entries).toEqual([{ id: 'p1', name: 'Mai Ng', roles: [{ title: 'Dermatology' }] }]);
  });

  it('fails with the server error if either search fails', () => {
    let error: unknown;
    service.load().subscribe({ error: (e: unknown) => (error = e) });
    http.expectOne('/fhir/R4/PractitionerRole?_count=100').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal server error' } }],
      },
      { status: 500, statusText: 'Server Error' },
    );
    expect(error).toBeDefined();
    // The other request was cancelled with the failed join.
    expect(http.expectOne('/fhir/R4/Practitioner?_count=100').cancelled).toBeTrue();
  });
});
