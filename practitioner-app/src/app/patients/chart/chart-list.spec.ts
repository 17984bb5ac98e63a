import { Component } from '@angular/core';
import type { HttpTestingController } from '@angular/common/http/testing';
import { HttpErrorResponse } from '@angular/common/http';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { Observation, Page } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { Subject } from 'rxjs';
import { ChartList } from './chart-list';

const obs = (id: string, versionId = '1'): Observation => ({ resourceType: 'Observation', id, meta: { versionId } });
const ids = (items: Observation[]) => items.map((item) => `${item.id}@${item.meta?.versionId}`);
const NEXT = 'https://fhir.example/fhir/R4/Observation?_count=2&_cursor=c1';
const storeDown = () =>
  new HttpErrorResponse({
    status: 500,
    error: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: 'Store down' }],
    },
  });

/** A component that owns a list, as the chart's sections do; it counts the list's changes. */
@Component({ template: '' })
class Host {
  changes = 0;
  readonly list = new ChartList<Observation>('Observation', () => this.changes++);
}

describe('ChartList', () => {
  let fixture: ComponentFixture<Host>;
  let http: HttpTestingController;
  let host: Host;
  let list: ChartList<Observation>;

  beforeEach(() => {
    http = configureHttpTesting();
    fixture = TestBed.createComponent(Host);
    host = fixture.componentInstance;
    list = host.list;
  });

  afterEach(() => http.verify());

  it('loads the first page, then appends "Show more" pages skipping what is listed', () => {
    const first = new Subject<Page<Observation>>();
    list.load(first);
    expect(list.loading()).toBeTrue();
    first.next({ items: [obs('o1'), obs('o2')], next: NEXT });
    expect(list.loading()).toBeFalse();
    expect(ids(list.items())).toEqual(['o1@1', 'o2@1']);
    expect(list.more.next()).toBe(NEXT);
    expect(host.changes).toBe(1);

    list.more.load('results');
    http.expectOne('/fhir/R4/Observation?_count=2&_cursor=c1').flush({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [{ resource: obs('o2') }, { resource: obs('o3') }],
    });
    expect(ids(list.items())).toEqual(['o1@1', 'o2@1', 'o3@1']);
    expect(list.more.announcement()).toBe('1 more results shown; that is all the results.');
    expect(host.changes).toBe(2);
  });

  it('shows a failed load in words, and a reload clears them and starts the paging over', () => {
    const failing = new Subject<Page<Observation>>();
    list.load(failing);
    failing.error(storeDown());
    expect(list.loading()).toBeFalse();
    expect(list.loadErrors()).toEqual(['Store down']);
    expect(host.changes).toBe(0);

    const again = new Subject<Page<Observation>>();
    list.load(again);
    expect(list.loadErrors()).toEqual([]);
    expect(list.more.next()).toBeUndefined();
    again.next({ items: [obs('o1')] });
    expect(ids(list.items())).toEqual(['o1@1']);
  });

  it('runs one action at a time: busy meanwhile, its answer replaces the item by id', () => {
    list.load(new Subject<Page<Observation>>());
    list.items.set([obs('o1'), obs('o2')]);
    const saving = new Subject<Observation>();
    const saved: Observation[] = [];
    list.actionErrors.set(['an earlier refusal']);
    list.run(saving, (o) => {
      saved.push(o);
      list.replace(o);
    });
    expect(list.busy()).toBeTrue();
    expect(list.actionErrors()).toEqual([]);
    saving.next(obs('o2', '2'));
    expect(list.busy()).toBeFalse();
    expect(saved.length).toBe(1);
    expect(ids(list.items())).toEqual(['o1@1', 'o2@2']);
  });

  it('shows a refused action in words (its own words when given) and lets the caller undo', () => {
    const refusals: unknown[] = [];
    const refused = new Subject<Observation>();
    list.run(refused, () => fail('not done'), { failed: (error) => refusals.push(error) });
    refused.error(storeDown());
    expect(list.busy()).toBeFalse();
    expect(list.actionErrors()).toEqual(['Store down']);
    expect(refusals.length).toBe(1);

    const download = new Subject<Blob>();
    list.run(download, () => fail('not done'), { messages: () => ['The file is not there any more.'] });
    download.error(storeDown());
    expect(list.actionErrors()).toEqual(['The file is not there any more.']);
  });

  it('puts an item created here first, once, and says the list changed', () => {
    list.items.set([obs('o1'), obs('o2')]);
    list.prepend(obs('o2', '2'));
    expect(ids(list.items())).toEqual(['o2@2', 'o1@1']);
    expect(host.changes).toBe(1);
  });

  it('drops the answers of requests still running when the component goes', () => {
    const loading = new Subject<Page<Observation>>();
    const saving = new Subject<Observation>();
    list.load(loading);
    list.run(saving, () => fail('answer after destroy'));
    fixture.destroy();
    expect(loading.observed).toBeFalse();
    expect(saving.observed).toBeFalse();
  });
});
