import { computed, inject, signal } from '@angular/core';
import { type Practice, PracticeService } from './practice.service';

/**
 * Which of the practices the signed-in practitioner administers a page is about: the one picked,
 * else the first (by name); null while they are read, when they cannot be read, or when there is
 * none. One per administrators' page (practice settings, connected apps), created in the page's
 * field initializer (it injects PracticeService and asks it to read the practices); the page reads
 * `practice()` and `practiceId()`, and `<pc-admin-practice-picker>` shows and changes it.
 */
export class AdminPracticeChoice {
  private readonly practices = inject(PracticeService);
  private readonly selectedId = signal<string | null>(null);

  readonly status = this.practices.status;
  readonly errors = this.practices.errors;
  readonly adminPractices = this.practices.adminPractices;
  /** The practice on screen: the one selected, else the first the practitioner administers. */
  readonly practice = computed<Practice | null>(() => {
    const list = this.adminPractices();
    return list.find((p) => p.id === this.selectedId()) ?? list[0] ?? null;
  });
  readonly practiceId = computed(() => this.practice()?.id ?? null);

  constructor() {
    this.practices.load();
  }

  select(id: string): void {
    this.selectedId.set(id);
  }

  /** "Try again" after the practices could not be read. */
  retry(): void {
    this.practices.load(true);
  }
}
