import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { ErrorMessages } from '@web-shared/shell';
import type { MoreToShow } from '../more-pages';

/**
 * The "Show more …" button under a list, while the search has a next page, with its loading bar and
 * outcome in a polite live region and its error in words. The button keeps its place (and the
 * keyboard focus) while loading; it goes once the last page is listed, and the live region says so.
 */
@Component({
  selector: 'pc-show-more',
  imports: [ErrorMessages, MatButtonModule, MatProgressBarModule],
  template: `
    <div class="show-more">
      @if (pages().next()) {
        <button
          mat-stroked-button
          type="button"
          class="more"
          [disabled]="disabled()"
          [attr.aria-disabled]="pages().loading() ? 'true' : null"
          (click)="pages().load(what())"
        >
          Show more {{ what() }}
        </button>
      }
      <div class="status" role="status" aria-live="polite">
        @if (pages().loading()) {
          <mat-progress-bar mode="indeterminate" [attr.aria-label]="'Loading more ' + what()" />
        }
        <span class="visually-hidden">{{ pages().announcement() }}</span>
      </div>
      <ws-error-messages [messages]="pages().errors()" [heading]="'Could not load more ' + what() + '.'" />
    </div>
  `,
  styles: `
    .show-more {
      margin: 0.5rem 0 1rem;
    }
    .status {
      min-height: 4px;
      margin-top: 0.5rem;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ShowMore {
  readonly pages = input.required<MoreToShow>();
  /** What the list holds, plural: "Show more notes". */
  readonly what = input.required<string>();
  readonly disabled = input(false);
}
