import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { ChartApi } from './chart-api';
import type { DocumentReference, Observation, Provenance } from '@web-shared/fhir';

describe('ChartApi', () => {
  let http: HttpTestingController;
  let api: ChartApi;

  beforeEach(() => {
    http = configureHttpTesting();
    api = TestBed.inject(ChartApi);
  });

  afterEach(() => http.verify());

  it("searches the patient's clinical notes, newest first", () => {
    let notes: DocumentReference[] = [];
    let next: string | undefined;
    api.notes('p1').subscribe((page) => ({ items: notes, next } = page));
    const req = http.expectOne((r) => r.url === '/fhir/R4/DocumentReference');
    expect(req.request.params.get('subject')).toBe('Patient/p1');
    expect(req.request.params.get('category')).toBe(
      'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category|clinical-note',
    );
    expect(req.request.params.get('_sort')).toBe('-date');
    expect(req.request.params.get('_count')).toBe('50');
    req.flush({
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'next', url: 'https://fhir.example/fhir/R4/DocumentReference?_cursor=abc' }],
      entry: [{ resource: { resourceType: 'DocumentReference', id: 'n1' } }],
    });
    expect(notes.map((n) => n.id)).toEqual(['n1']);
    expect(next).toBe('https://fhir.example/fhir/R4/DocumentReference?_cursor=abc');
  });

  it("searches the patient's observations, newest first", () => {
    api.results('p1').subscribe();
    const req = http.expectOne((r) => r.url === '/fhir/R4/Observation');
    expect(req.request.params.get('subject')).toBe('Patient/p1');
    expect(req.request.params.get('_sort')).toBe('-date');
    req.flush({ resourceType: 'Bundle', type: 'searchset' });
  });

  it('reads the sharing records of several items in one search, newest first', () => {
    let records: Provenance[] = [];
    api.provenance(['DocumentReference/n1', 'Observation/o1']).subscribe((r) => (records = r));
    const req = http.expectOne((r) => r.url === '/fhir/R4/Provenance');
    expect(req.request.params.get('target')).toBe('DocumentReference/n1,Observation/o1');
    req.flush({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        { resource: { resourceType: 'Provenance', id: 'old', recorded: '2026-11-01T00:00:00Z' } },
        { resource: { resourceType: 'Provenance', id: 'new', recorded: '2026-11-03T00:00:00Z' } },
      ],
    });
    expect(records.map((r) => r.id)).toEqual(['new', 'old']);
  });

  it('posts $share and $unshare with the audience as Parameters', () => {
    const observation: Observation = { resourceType: 'Observation', id: 'o1' };
    api.setShared(observation, 'patient', true).subscribe();
    const share = http.expectOne('/fhir/R4/Observation/o1/$share');
    expect(share.request.method).toBe('POST');
    expect(share.request.body).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'audience', valueCode: 'patient' }],
    });
    share.flush(observation);
    api.setShared({ resourceType: 'DocumentReference', id: 'n1' }, 'colleagues', false).subscribe();
    const unshare = http.expectOne('/fhir/R4/DocumentReference/n1/$unshare');
    expect(unshare.request.body.parameter).toEqual([{ name: 'audience', valueCode: 'colleagues' }]);
    unshare.flush({});
  });
});
