import { DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { errorMessages, type Page, type Resource } from '@web-shared/fhir';
import type { Observable } from 'rxjs';
import { appendNew, MorePages } from '../../paging/more-pages';

/** How one action on a listed item ends besides its errors in words. */
export interface ChartListAction {
  /** The action was refused: e.g. a switch goes back to the state the server still has. */
  failed?: (error: unknown) => void;
  /** The error in words, if not errorMessages() (e.g. a download's contentErrorMessages()). */
  messages?: (error: unknown) => string[];
}

/**
 * The state the chart's lists (notes, results, documents) share: the items read (first page, then
 * "Show more"), the first load's progress and errors with a reload, and one action at a time on an
 * item (busy) with its errors in words. Each component keeps what is its own: its rows, its
 * actions, its template. Created in a component's field initializer (it injects DestroyRef, and
 * requests end with the component).
 */
export class ChartList<T extends Resource> {
  private readonly destroyRef = inject(DestroyRef);

  readonly items = signal<T[]>([]);
  readonly loading = signal(false);
  readonly loadErrors = signal<string[]>([]);
  readonly actionErrors = signal<string[]>([]);
  readonly busy = signal(false);
  readonly more: MorePages<T>;

  constructor(
    type: T['resourceType'],
    /** The items changed in number or order (loaded, more shown, one added): e.g. tell the history. */
    private readonly listChanged: () => void = () => undefined,
  ) {
    this.more = new MorePages<T>(type, (items) => {
      const { list, added } = appendNew(this.items(), items);
      this.items.set(list);
      this.listChanged();
      return added;
    });
  }

  /** (Re)reads the list's first page; "Show more" starts over from it. */
  load(request: Observable<Page<T>>): void {
    this.loading.set(true);
    this.loadErrors.set([]);
    this.more.start({ items: [] });
    request.pipe(takeUntilDestroyed(this.destroyRef)).subscribe({
      next: (page) => {
        this.items.set(page.items);
        this.more.start(page);
        this.loading.set(false);
        this.listChanged();
      },
      error: (error: unknown) => {
        this.loadErrors.set(errorMessages(error));
        this.loading.set(false);
      },
    });
  }

  /** Runs one action on an item: busy meanwhile, its earlier errors cleared, its refusal in words. */
  run<R>(request: Observable<R>, done: (result: R) => void, action: ChartListAction = {}): void {
    this.busy.set(true);
    this.actionErrors.set([]);
    request.pipe(takeUntilDestroyed(this.destroyRef)).subscribe({
      next: (result) => {
        this.busy.set(false);
        done(result);
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.actionErrors.set((action.messages ?? errorMessages)(error));
        action.failed?.(error);
      },
    });
  }

  /** The server's answer replaces the item with its id (a new version, a changed mark). */
  replace(saved: T): void {
    this.items.update((items) => items.map((item) => (item.id === saved.id ? saved : item)));
  }

  /** An item just created here: first in the list (newest first), listed once. */
  prepend(item: T): void {
    this.items.update((items) => [item, ...items.filter((other) => other.id !== item.id)]);
    this.listChanged();
  }
}
