import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { PATIENT_CHOSEN } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { MyPractitioners } from './my-practitioners';

const bundle = (...resources: object[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource) => ({ resource })),
});
const MINE = (r: { url: string; params: { get(n: string): string | null } }) =>
  r.url === '/fhir/R4/CareTeam' && r.params.get('category') === `${PATIENT_CHOSEN.system}|${PATIENT_CHOSEN.code}`;
const TEAM = {
  resourceType: 'CareTeam',
  id: 't1',
  participant: [{ member: { reference: 'Practitioner/p1' } }, { member: { reference: 'Practitioner/p2' } }],
};

describe('MyPractitioners', () => {
  let fixture: ComponentFixture<MyPractitioners>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting([provideRouter([])]);
    fixture = TestBed.createComponent(MyPractitioners);
    page = fixture.nativeElement;
    fixture.detectChanges();
  });
  afterEach(() => http.verify());

  const names = () => Array.from(page.querySelectorAll('.members a')).map((a) => a.textContent?.trim());

  it('lists the practitioners on my list, each linked to their profile', () => {
    http.expectOne(MINE).flush(bundle(TEAM));
    http
      .expectOne((r) => r.url === '/fhir/R4/Practitioner' && r.params.get('_id') === 'p1,p2')
      .flush(
        bundle(
          { resourceType: 'Practitioner', id: 'p2', name: [{ family: 'Zwart' }] },
          { resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Abbott', given: ['Adam'] }] },
        ),
      );
    fixture.detectChanges();
    expect(names()).toEqual(['Adam Abbott', 'Zwart']);
    expect(page.querySelector('.members a')?.getAttribute('href')).toBe('/practitioners/p1');
  });

  it('says when the list is empty and where to find practitioners', () => {
    http.expectOne(MINE).flush(bundle());
    fixture.detectChanges();
    expect(page.querySelector('.empty')?.textContent).toContain('You have not added any practitioner yet.');
  });

  it('removes a practitioner and announces it', () => {
    http.expectOne(MINE).flush(bundle(TEAM));
    http
      .expectOne((r) => r.url === '/fhir/R4/Practitioner')
      .flush(bundle({ resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Abbott', given: ['Adam'] }] }));
    fixture.detectChanges();
    (page.querySelector('button[aria-label="Remove Adam Abbott"]') as HTMLButtonElement).click();
    http.expectOne(MINE).flush(bundle(TEAM));
    const put = http.expectOne({ method: 'PUT', url: '/fhir/R4/CareTeam/t1' });
    expect(put.request.body.participant).toEqual([{ member: { reference: 'Practitioner/p2' } }]);
    put.flush(put.request.body);
    fixture.detectChanges();
    expect(names()).toEqual([]);
    expect(page.textContent).toContain('Adam Abbott was removed from your practitioners.');
  });
});
