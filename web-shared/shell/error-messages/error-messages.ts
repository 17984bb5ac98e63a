import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/**
 * A list of errors in words (errorMessages() of an OperationOutcome, or a form's problems), under an
 * optional heading, styled `.error-messages` (web-shared/styles.css). Nothing is rendered while the
 * list is empty. It is an alert itself unless `alert` is false: for a list inside a region that is
 * already one (kept on the page so that it is announced as soon as something appears in it).
 */
@Component({
  selector: 'ws-error-messages',
  template: `
    @if (messages().length > 0) {
      <div class="error-messages" [attr.role]="alert() ? 'alert' : null">
        @if (heading()) {
          <strong>{{ heading() }}</strong>
        }
        <ul>
          @for (message of messages(); track $index) {
            <li>{{ message }}</li>
          }
        </ul>
        <ng-content />
      </div>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ErrorMessages {
  readonly messages = input.required<readonly string[]>();
  readonly heading = input<string>();
  readonly alert = input(true);
}
