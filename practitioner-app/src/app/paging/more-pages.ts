import { DestroyRef, inject, type Signal, signal } from '@angular/core';
import { errorMessages, FhirClient, type Page, pageOf, type Resource } from '@web-shared/fhir';
import type { Subscription } from 'rxjs';

/** What the "Show more" button reads of a list's paging, whatever the list holds. */
export interface MoreToShow {
  readonly next: Signal<string | undefined>;
  readonly loading: Signal<boolean>;
  readonly errors: Signal<string[]>;
  readonly announcement: Signal<string>;
  load(what: string): void;
}

/**
 * "Show more" for a list that shows one page of a search: the Bundle's `next` link of the last page
 * read, followed on request and appended (the server's pages are keyset seeks, so a page read later
 * never repeats or skips what an earlier one listed; items already listed are still skipped by id,
 * e.g. a note written on this page meanwhile). Created in a component's field initializer.
 */
export class MorePages<T extends Resource> implements MoreToShow {
  private readonly fhir = inject(FhirClient);
  private running: Subscription | undefined;

  readonly next = signal<string | undefined>(undefined);
  readonly loading = signal(false);
  readonly errors = signal<string[]>([]);
  /** What the last "Show more" did, for a polite live region. */
  readonly announcement = signal('');

  constructor(
    private readonly type: T['resourceType'],
    /** Adds the page's items to the list; returns how many were new. */
    private readonly append: (items: T[]) => number,
  ) {
    inject(DestroyRef).onDestroy(() => this.running?.unsubscribe());
  }

  /** The list was (re)loaded: its first page decides whether there is more. */
  start(page: Page<T>): void {
    this.running?.unsubscribe();
    this.next.set(page.next);
    this.loading.set(false);
    this.errors.set([]);
    this.announcement.set('');
  }

  load(what: string): void {
    const url = this.next();
    if (!url || this.loading()) return;
    this.loading.set(true);
    this.errors.set([]);
    this.announcement.set(`Loading more ${what}…`);
    this.running = this.fhir.page<T>(url).subscribe({
      next: (bundle) => {
        const page = pageOf(bundle, this.type);
        const added = this.append(page.items);
        this.next.set(page.next);
        this.loading.set(false);
        this.announcement.set(`${added} more ${what} shown${page.next ? '' : `; that is all the ${what}`}.`);
      },
      error: (error: unknown) => {
        this.loading.set(false);
        this.announcement.set('');
        this.errors.set(errorMessages(error));
      },
    });
  }
}

/** Appends `items` to `current`, skipping ids already there; returns the new list and the count added. */
export function appendNew<T extends Resource>(current: T[], items: T[]): { list: T[]; added: number } {
  const known = new Set(current.map((item) => item.id));
  const fresh = items.filter((item) => !item.id || !known.has(item.id));
  return { list: [...current, ...fresh], added: fresh.length };
}
