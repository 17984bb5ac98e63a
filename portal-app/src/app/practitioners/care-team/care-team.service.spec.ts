import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { type CareTeam, PATIENT_CHOSEN } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { CareTeamService, memberIds } from './care-team.service';

const MINE = (r: { url: string; params: { get(n: string): string | null } }) =>
  r.url === '/fhir/R4/CareTeam' && r.params.get('category') === `${PATIENT_CHOSEN.system}|${PATIENT_CHOSEN.code}`;
const bundle = (...resources: object[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource) => ({ resource })),
});
const team = (members: string[]): CareTeam => ({
  resourceType: 'CareTeam',
  id: 't1',
  meta: { versionId: '3' },
  category: [{ coding: [{ ...PATIENT_CHOSEN }] }],
  subject: { reference: 'Patient/a' },
  participant: members.map((m) => ({ member: { reference: `Practitioner/${m}` } })),
});

describe('CareTeamService', () => {
  let http: HttpTestingController;
  let service: CareTeamService;

  beforeEach(() => {
    http = configureHttpTesting();
    service = TestBed.inject(CareTeamService);
  });
  afterEach(() => http.verify());

  it("makes the list on the first add, about the first of the patient's records", () => {
    let saved: CareTeam | undefined;
    service.add('p1').subscribe((t) => (saved = t));
    http.expectOne(MINE).flush(bundle());
    http.expectOne('/fhir/R4/Patient?_count=1').flush(bundle({ resourceType: 'Patient', id: 'a' }));
    const post = http.expectOne({ method: 'POST', url: '/fhir/R4/CareTeam' });
    expect(post.request.body.subject).toEqual({ reference: 'Patient/a' });
    expect(post.request.body.category[0].coding[0].code).toBe('patient-chosen');
    expect(memberIds(post.request.body)).toEqual(['p1']);
    post.flush({ ...post.request.body, id: 't1' });
    expect(saved?.id).toBe('t1');
  });

  it('adds to an existing list with If-Match, and does not add twice', () => {
    service.add('p2').subscribe();
    http.expectOne(MINE).flush(bundle(team(['p1'])));
    const put = http.expectOne({ method: 'PUT', url: '/fhir/R4/CareTeam/t1' });
    expect(put.request.headers.get('If-Match')).toBe('W/"3"');
    expect(memberIds(put.request.body)).toEqual(['p1', 'p2']);
    put.flush(put.request.body);

    service.add('p1').subscribe();
    http.expectOne(MINE).flush(bundle(team(['p1'])));
    http.expectNone({ method: 'PUT' });
  });

  it('removes a practitioner, keeping the others', () => {
    service.remove('p1').subscribe();
    http.expectOne(MINE).flush(bundle(team(['p1', 'p2'])));
    const put = http.expectOne({ method: 'PUT', url: '/fhir/R4/CareTeam/t1' });
    expect(memberIds(put.request.body)).toEqual(['p2']);
    put.flush(put.request.body);
  });

  it('says in plain words when the account has no patient record to make a list about', () => {
    let error: unknown;
    service.add('p1').subscribe({ error: (e: unknown) => (error = e) });
    http.expectOne(MINE).flush(bundle());
    http.expectOne('/fhir/R4/Patient?_count=1').flush(bundle());
    expect((error as Error).message).toContain('not linked to a patient record');
  });
});
