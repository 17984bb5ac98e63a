import { Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';

export interface ConfirmDialogData {
  title: string;
  message: string;
  /** The label of the button that confirms, e.g. "Delete app". */
  confirm: string;
}

/**
 * Asks before something that cannot be undone. Closes with `true` when confirmed; Cancel, Escape and
 * a click outside close it with nothing. Cancel has the initial focus, so Enter does not destroy.
 */
@Component({
  selector: 'pc-confirm-dialog',
  imports: [MatDialogModule, MatButtonModule],
  template: `
    <h2 mat-dialog-title>{{ data.title }}</h2>
    <mat-dialog-content>
      <p>{{ data.message }}</p>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close cdkFocusInitial>Cancel</button>
      <button mat-flat-button type="button" class="confirm" [mat-dialog-close]="true">{{ data.confirm }}</button>
    </mat-dialog-actions>
  `,
  styles: `
    .confirm {
      --mat-button-filled-container-color: var(--mat-sys-error, #ba1a1a);
      --mat-button-filled-label-text-color: var(--mat-sys-on-error, #fff);
    }
  `,
})
export class ConfirmDialog {
  protected readonly data = inject<ConfirmDialogData>(MAT_DIALOG_DATA);
}
