import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import type { AdminPracticeChoice } from '../admin-practice-choice';

/**
 * The top of an administrators' page (practice settings, connected apps): which practice it is
 * about. Shows the practices' read error (role=alert) with "Try again"; a practitioner who
 * administers no practice is told why the page is empty (`notAdmin`, in the page's words); one
 * administered practice is named after `label` ("Settings of Riverside"); several get a labelled
 * "Practice" select. Nothing is shown while the practices are read (the page's live region says so).
 * The page puts its own content under it, for `choice.practice()`.
 */
@Component({
  selector: 'pc-admin-practice-picker',
  imports: [MatButtonModule, MatFormFieldModule, MatSelectModule],
  template: `
    @let state = choice();
    @if (state.status() === 'error') {
      <div class="error-messages" role="alert">
        <strong>Could not read your practices.</strong>
        <ul>
          @for (message of state.errors(); track $index) {
            <li>{{ message }}</li>
          }
        </ul>
        <button mat-stroked-button type="button" (click)="state.retry()">Try again</button>
      </div>
    } @else if (state.status() !== 'loading' && !state.practice()) {
      <p class="not-admin">{{ notAdmin() }}</p>
    } @else if (state.practice(); as current) {
      @if (state.adminPractices().length > 1) {
        <mat-form-field appearance="outline" class="practice-select" subscriptSizing="dynamic">
          <mat-label>Practice</mat-label>
          <mat-select [value]="current.id" (selectionChange)="pick($event.value)">
            @for (p of state.adminPractices(); track p.id) {
              <mat-option [value]="p.id">{{ p.name }}</mat-option>
            }
          </mat-select>
        </mat-form-field>
      } @else {
        <p class="practice-name">
          {{ label() }} <strong>{{ current.name }}</strong>
        </p>
      }
    }
  `,
  styles: `
    :host {
      display: block;
    }
    .practice-select {
      width: 100%;
      max-width: 24rem;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AdminPracticePicker {
  readonly choice = input.required<AdminPracticeChoice>();
  /** Why the page shows nothing to a practitioner who administers no practice, in the page's words. */
  readonly notAdmin = input.required<string>();
  /** What the page shows of the one practice, before its name: "Settings of", "Apps registered for". */
  readonly label = input.required<string>();
  /** The practice (Organization id) the user picked in the select. */
  readonly picked = output<string>();

  protected pick(id: string): void {
    this.choice().select(id);
    this.picked.emit(id);
  }
}
