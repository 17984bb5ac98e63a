import { Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import {
  catchError,
  debounceTime,
  distinctUntilChanged,
  EMPTY,
  map,
  merge,
  type Observable,
  startWith,
  Subject,
  switchMap,
  tap,
} from 'rxjs';
import { type Bundle, errorMessages, FhirClient, type Patient } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { LaunchAppMenu } from '../../apps/launch-app-menu/launch-app-menu';
import { displayName } from '../patient-name';

/** Long enough that typing a name sends one search, short enough to feel live. */
export const SEARCH_DEBOUNCE_MS = 300;
export const PAGE_SIZE = 20;
/** Alphabetical, as a practice's patient list is read: by family name, then given name (sorted by the server, across pages). */
export const PATIENT_SORT = 'family,given';

interface PatientRow {
  id: string;
  name: string;
  birthDate: string;
  gender: string;
}

/** The practice's patients, searched by name, one server page at a time, each with "Launch app". */
@Component({
  selector: 'pc-patient-list',
  imports: [
    ErrorMessages,
    ReactiveFormsModule,
    RouterLink,
    LaunchAppMenu,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
  ],
  templateUrl: './patient-list.html',
  styleUrl: './patient-list.css',
})
export class PatientList {
  private readonly fhir = inject(FhirClient);

  protected readonly nameQuery = new FormControl('', { nonNullable: true });
  protected readonly searchedFor = signal('');
  protected readonly rows = signal<PatientRow[]>([]);
  protected readonly loading = signal(true);
  protected readonly errors = signal<string[]>([]);
  /** Bundles of the pages seen so far: the last is on screen, the others make "Previous" instant. */
  private readonly pages = signal<Bundle<Patient>[]>([]);
  protected readonly pageNumber = computed(() => this.pages().length);
  protected readonly nextLink = computed(
    () =>
      this.pages()
        .at(-1)
        ?.link?.find((l) => l.relation === 'next')?.url,
  );

  private readonly nextPageClicks = new Subject<string>();

  constructor() {
    const searches = this.nameQuery.valueChanges.pipe(
      debounceTime(SEARCH_DEBOUNCE_MS),
      map((text) => text.trim()),
      startWith(''),
      distinctUntilChanged(),
      map((name) => ({
        name,
        request: this.fhir.search<Patient>('Patient', { name, _sort: PATIENT_SORT, _count: PAGE_SIZE }),
        fresh: true,
      })),
    );
    const nextPages = this.nextPageClicks.pipe(
      map((url) => ({ name: this.searchedFor(), request: this.fhir.page<Patient>(url), fresh: false })),
    );
    // switchMap drops the answer to a superseded request, so a slow search for "Sm" can never
    // overwrite the results for "Smith" that the user typed afterwards.
    merge(searches, nextPages)
      .pipe(
        tap(() => {
          this.loading.set(true);
          this.errors.set([]);
        }),
        switchMap(({ name, request, fresh }) => this.load(request).pipe(map((bundle) => ({ name, bundle, fresh })))),
        takeUntilDestroyed(),
      )
      .subscribe(({ name, bundle, fresh }) => {
        this.searchedFor.set(name);
        this.pages.update((pages) => (fresh ? [bundle] : [...pages, bundle]));
        this.show(bundle);
      });
  }

  protected nextPage(): void {
    const url = this.nextLink();
    if (url) this.nextPageClicks.next(url);
  }

  protected previousPage(): void {
    const pages = this.pages().slice(0, -1);
    if (pages.length === 0) return;
    this.pages.set(pages);
    this.show(pages.at(-1)!);
  }

  private load(request: Observable<Bundle<Patient>>): Observable<Bundle<Patient>> {
    return request.pipe(
      catchError((error: unknown) => {
        this.errors.set(errorMessages(error));
        this.loading.set(false);
        return EMPTY;
      }),
    );
  }

  private show(bundle: Bundle<Patient>): void {
    this.loading.set(false);
    this.rows.set(
      (bundle.entry ?? [])
        .map((e) => e.resource)
        .filter((p): p is Patient & { id: string } => p?.resourceType === 'Patient' && !!p.id)
        .map((p) => ({ id: p.id, name: displayName(p), birthDate: p.birthDate ?? '—', gender: p.gender ?? '—' })),
    );
  }
}
