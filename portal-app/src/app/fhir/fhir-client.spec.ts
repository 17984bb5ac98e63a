import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { FhirClient, resourcesOf } from './fhir-client';
import type { Bundle, Practitioner } from './fhir-types';
import { errorMessages } from './operation-outcome';

describe('FhirClient', () => {
  let client: FhirClient;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    client = TestBed.inject(FhirClient);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('searches on the same origin with FHIR JSON, leaving out empty parameters', () => {
    let received: Bundle<Practitioner> | undefined;
    client.search<Practitioner>('Practitioner', { _count: 100, name: '' }).subscribe((b) => (received = b));
    const req = http.expectOne('/fhir/R4/Practitioner?_count=100');
    expect(req.request.method).toBe('GET');
    expect(req.request.headers.get('Accept')).toBe('application/fhir+json');
    expect(req.request.headers.get('Cache-Control')).toBe('no-cache');
    req.flush({ resourceType: 'Bundle', type: 'searchset', total: 0 });
    expect(received).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 0 });
  });

  it('hands an OperationOutcome error to the subscriber', () => {
    let messages: string[] = [];
    client.search('Practitioner', { _count: 100 }).subscribe({ error: (e: unknown) => (messages = errorMessages(e)) });
    http.expectOne('/fhir/R4/Practitioner?_count=100').flush(
      { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', details: { text: 'Must be a positive integer' }, expression: ['_count'] }] },
      { status: 400, statusText: 'Bad Request' },
    );
    expect(messages).toEqual(['_count: Must be a positive integer']);
  });
});

describe('resourcesOf', () => {
  it('keeps only resources of the searched type', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: { resourceType: 'Practitioner', id: 'a' } }, { resource: { resourceType: 'OperationOutcome', issue: [] } }, {}],
    } as unknown as Bundle<Practitioner>;
    expect(resourcesOf(bundle, 'Practitioner')).toEqual([{ resourceType: 'Practitioner', id: 'a' }]);
  });
});
