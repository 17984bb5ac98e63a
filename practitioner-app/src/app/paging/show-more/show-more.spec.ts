import { Component, signal } from '@angular/core';
import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { Observation } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { appendNew, MorePages } from '../more-pages';
import { ShowMore } from './show-more';

const obs = (id: string): Observation => ({ resourceType: 'Observation', id });
const page = (ids: string[], next?: string) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
  entry: ids.map((id) => ({ resource: obs(id) })),
});

/** A list that shows a first page and "Show more" under it, as the chart's sections do. */
@Component({
  imports: [ShowMore],
  template: `
    <ul class="items">
      @for (item of items(); track item.id) {
        <li>{{ item.id }}</li>
      }
    </ul>
    <pc-show-more [pages]="more" what="results" />
  `,
})
class Host {
  readonly items = signal<Observation[]>([]);
  readonly more = new MorePages<Observation>('Observation', (items) => {
    const { list, added } = appendNew(this.items(), items);
    this.items.set(list);
    return added;
  });
}

describe('ShowMore', () => {
  let fixture: ComponentFixture<Host>;
  let http: HttpTestingController;
  let host: Host;
  let element: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting();
    fixture = TestBed.createComponent(Host);
    host = fixture.componentInstance;
    element = fixture.nativeElement;
    host.items.set([obs('o1'), obs('o2')]);
    host.more.start({ items: host.items(), next: 'https://fhir.example/fhir/R4/Observation?_count=2&_cursor=c1' });
    fixture.detectChanges();
  });

  afterEach(() => http.verify());

  const button = () => element.querySelector<HTMLButtonElement>('button.more');
  const listed = () => Array.from(element.querySelectorAll('ul.items li')).map((li) => li.textContent);
  const status = () => element.querySelector('[role=status]')!;

  it('follows the next links on this origin, appending each page, until the last', () => {
    expect(button()?.textContent?.trim()).toBe('Show more results');
    expect(status().getAttribute('aria-live')).toBe('polite');

    button()!.click();
    fixture.detectChanges();
    // The button stays (and keeps the focus), marked busy; a second click sends nothing more.
    expect(button()?.getAttribute('aria-disabled')).toBe('true');
    expect(status().querySelector('mat-progress-bar')).not.toBeNull();
    button()!.click();
    const second = http.expectOne('/fhir/R4/Observation?_count=2&_cursor=c1');
    expect(second.request.method).toBe('GET');
    // o2 again (already listed) is skipped.
    second.flush(page(['o2', 'o3', 'o4'], '/fhir/R4/Observation?_count=2&_cursor=c2'));
    fixture.detectChanges();
    expect(listed()).toEqual(['o1', 'o2', 'o3', 'o4']);
    expect(status().textContent?.trim()).toBe('2 more results shown.');
    expect(button()?.getAttribute('aria-disabled')).toBeNull();

    button()!.click();
    http.expectOne('/fhir/R4/Observation?_count=2&_cursor=c2').flush(page(['o5']));
    fixture.detectChanges();
    expect(listed()).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
    expect(button()).toBeNull();
    expect(status().textContent?.trim()).toBe('1 more results shown; that is all the results.');
  });

  it('says in words when a page cannot be read, and offers the button again', () => {
    button()!.click();
    http.expectOne('/fhir/R4/Observation?_count=2&_cursor=c1').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Bad cursor' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    fixture.detectChanges();
    const alert = element.querySelector('[role=alert]');
    expect(alert?.textContent).toContain('Could not load more results.');
    expect(alert?.textContent).toContain('Bad cursor');
    expect(listed()).toEqual(['o1', 'o2']);
    expect(button()?.getAttribute('aria-disabled')).toBeNull();
  });

  it('shows no button when the first page is the only one, and forgets a page still loading on a reload', () => {
    button()!.click();
    const pending = http.expectOne('/fhir/R4/Observation?_count=2&_cursor=c1');
    host.more.start({ items: [] });
    fixture.detectChanges();
    expect(pending.cancelled).toBeTrue();
    expect(button()).toBeNull();
  });
});
