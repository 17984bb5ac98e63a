import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { type MatSlideToggleChange, MatSlideToggleModule } from '@angular/material/slide-toggle';
import type { Audience } from '../chart-types';

/**
 * The chart's one "shared with the patient / with colleagues" switch (notes, results, documents).
 * With `item` (a row of a list or table) the switch is named "Share <item> with the patient" and
 * its visible text is the state: "Shared with patient", "Shared by default" (the practice's default
 * shows it to the patient without a mark) or "Not shared". Without `item` (inside a note, whose
 * badges say the state) the text is the action, "Share with patient" / "Share with colleagues".
 * `changed` hands over the toggle's change: a refused share sets `source.checked` back.
 */
@Component({
  selector: 'pc-share-switch',
  imports: [MatSlideToggleModule],
  // aria-describedby is typed string, but null is what leaves the attribute off the switch.
  template: `<mat-slide-toggle
    [checked]="checked()"
    [disabled]="disabled()"
    [aria-label]="name()"
    [aria-describedby]="$any(describedBy())"
    (change)="changed.emit($event)"
    >{{ text() }}</mat-slide-toggle
  >`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ShareSwitch {
  readonly checked = input.required<boolean>();
  readonly audience = input<Audience>('patient');
  readonly disabled = input(false);
  /** Not marked, but the patient sees it through the practice's default for its category. */
  readonly byDefault = input(false);
  /** What is shared, when the switch is one of a list's: "letter.pdf", "Body weight of 3 Nov 2026". */
  readonly item = input<string>();
  /** The visible text when shared, where space is short (a table cell: "Shared"). */
  readonly sharedText = input<string>();
  /** The id of a text that says why the switch is disabled. */
  readonly describedBy = input<string | null>(null);
  readonly changed = output<MatSlideToggleChange>();

  private readonly whom = computed(() => (this.audience() === 'patient' ? 'patient' : 'colleagues'));

  protected readonly name = computed(() => {
    const item = this.item();
    if (item === undefined) return null;
    return `Share ${item} with ${this.audience() === 'patient' ? 'the patient' : 'your colleagues'}`;
  });

  protected readonly text = computed(() => {
    if (this.item() === undefined) return `Share with ${this.whom()}`;
    if (this.checked()) return this.sharedText() ?? `Shared with ${this.whom()}`;
    return this.byDefault() ? 'Shared by default' : 'Not shared';
  });
}
