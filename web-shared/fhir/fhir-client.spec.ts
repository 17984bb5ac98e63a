import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '../testing';
import { FhirClient, pageOf, resourcesOf, sameOriginPath } from './fhir-client';
import type { Bundle, Patient, Practitioner } from './fhir-types';
import { errorMessages } from './operation-outcome';

describe('FhirClient', () => {
  let client: FhirClient;
  let http: HttpTestingController;

  beforeEach(() => {
    http = configureHttpTesting();
    client = TestBed.inject(FhirClient);
  });

  afterEach(() => http.verify());

  it('searches with FHIR parameters, leaving out empty ones, and asks for FHIR JSON', () => {
    const bundle: Bundle<Patient> = { resourceType: 'Bundle', type: 'searchset', entry: [] };
    let received: Bundle<Patient> | undefined;
    client.search<Patient>('Patient', { name: 'Zoë Ann', _count: 20, gender: '' }).subscribe((b) => (received = b));

    const req = http.expectOne((r) => r.url === '/fhir/R4/Patient');
    expect(req.request.method).toBe('GET');
    expect(req.request.urlWithParams).toBe('/fhir/R4/Patient?name=Zo%C3%AB%20Ann&_count=20');
    expect(req.request.headers.get('Accept')).toBe('application/fhir+json');
    expect(req.request.headers.get('Cache-Control')).toBe('no-cache');
    req.flush(bundle);
    expect(received).toEqual(bundle);
  });

  it('follows a next link on this origin, keeping its query as written', () => {
    client.page('http://fhir.example:8080/fhir/R4/Patient?name=a&_count=20&_cursor=p%2F9').subscribe();
    const req = http.expectOne('/fhir/R4/Patient?name=a&_count=20&_cursor=p%2F9');
    expect(req.request.method).toBe('GET');
    req.flush({ resourceType: 'Bundle', type: 'searchset' });
  });

  it('creates with POST and FHIR JSON content type', () => {
    const patient: Patient = { resourceType: 'Patient', name: [{ family: 'Doe' }] };
    client.create(patient).subscribe();
    const req = http.expectOne('/fhir/R4/Patient');
    expect(req.request.method).toBe('POST');
    expect(req.request.headers.get('Content-Type')).toBe('application/fhir+json');
    expect(req.request.headers.get('Accept')).toBe('application/fhir+json');
    expect(req.request.body).toEqual(patient);
    req.flush({ ...patient, id: '1', meta: { versionId: '1' } }, { status: 201, statusText: 'Created' });
  });

  it('updates with PUT and If-Match on the version it read', () => {
    const patient: Patient & { id: string } = {
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '3' },
      gender: 'female',
    };
    client.update(patient).subscribe();
    const req = http.expectOne('/fhir/R4/Patient/p1');
    expect(req.request.method).toBe('PUT');
    expect(req.request.headers.get('If-Match')).toBe('W/"3"');
    expect(req.request.headers.get('Content-Type')).toBe('application/fhir+json');
    expect(req.request.body).toEqual(patient);
    req.flush(patient);
  });

  it('reads a resource by id, always asking the server rather than the browser cache', () => {
    let received: Patient | undefined;
    client.read<Patient>('Patient', 'a/b').subscribe((p) => (received = p));
    const req = http.expectOne('/fhir/R4/Patient/a%2Fb');
    expect(req.request.method).toBe('GET');
    expect(req.request.headers.get('Accept')).toBe('application/fhir+json');
    expect(req.request.headers.get('Cache-Control')).toBe('no-cache');
    req.flush({ resourceType: 'Patient', id: 'a/b' });
    expect(received).toEqual({ resourceType: 'Patient', id: 'a/b' });
  });

  it('passes an OperationOutcome error through for errorMessages to explain', () => {
    let messages: string[] = [];
    client.read<Patient>('Patient', 'gone').subscribe({ error: (e: unknown) => (messages = errorMessages(e)) });
    http.expectOne('/fhir/R4/Patient/gone').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'deleted', details: { text: 'Deleted' } }],
      },
      { status: 410, statusText: 'Gone' },
    );
    expect(messages).toEqual(['Deleted']);
  });

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

  it('hands a search’s OperationOutcome error to the subscriber', () => {
    let messages: string[] = [];
    client.search('Practitioner', { _count: 100 }).subscribe({ error: (e: unknown) => (messages = errorMessages(e)) });
    http.expectOne('/fhir/R4/Practitioner?_count=100').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'invalid',
            details: { text: 'Must be a positive integer' },
            expression: ['_count'],
          },
        ],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    expect(messages).toEqual(['_count: Must be a positive integer']);
  });
});

describe('sameOriginPath', () => {
  it('strips the origin of absolute links', () => {
    expect(sameOriginPath('https://portal.example/fhir/R4/Patient?_cursor=x')).toBe('/fhir/R4/Patient?_cursor=x');
  });

  it('keeps root-relative links and resolves links relative to the FHIR base', () => {
    expect(sameOriginPath('/fhir/R4/Patient?_cursor=x')).toBe('/fhir/R4/Patient?_cursor=x');
    expect(sameOriginPath('Patient?_cursor=x')).toBe('/fhir/R4/Patient?_cursor=x');
  });
});

describe('resourcesOf', () => {
  it('keeps only resources of the searched type', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'Practitioner', id: 'a' } },
        { resource: { resourceType: 'OperationOutcome', issue: [] } },
        {},
      ],
    } as unknown as Bundle<Practitioner>;
    expect(resourcesOf(bundle, 'Practitioner')).toEqual([{ resourceType: 'Practitioner', id: 'a' }]);
  });
});

describe('pageOf', () => {
  it('gives the resources of the type and the next link when the server wrote one', () => {
    const bundle: Bundle<Practitioner> = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: 'https://h/fhir/R4/Practitioner?_count=1' },
        { relation: 'next', url: 'https://h/fhir/R4/Practitioner?_count=1&_cursor=x' },
      ],
      entry: [{ resource: { resourceType: 'Practitioner', id: 'a' } }],
    };
    expect(pageOf(bundle, 'Practitioner')).toEqual({
      items: [{ resourceType: 'Practitioner', id: 'a' }],
      next: 'https://h/fhir/R4/Practitioner?_count=1&_cursor=x',
    });
    expect(pageOf({ ...bundle, link: [] }, 'Practitioner')).toEqual({
      items: [{ resourceType: 'Practitioner', id: 'a' }],
    });
  });
});
