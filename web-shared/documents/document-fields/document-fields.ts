import { ChangeDetectionStrategy, Component, effect, type ElementRef, input, model, viewChild } from '@angular/core';
import { DOCUMENT_KINDS, UPLOAD_ACCEPT } from '../upload-rules';

let nextId = 0;

/**
 * The fields both apps' upload forms share: the file (the picker offers the types the server takes),
 * what the document is (DOCUMENT_KINDS) and a free text, each with its label. The app's form around
 * them adds its own fields, checks and button; it is styled by web-shared/styles.css (`.upload-form`).
 * Setting `file` to undefined (after a successful upload) clears the picker too.
 */
@Component({
  selector: 'ws-document-fields',
  template: `
    <div class="field">
      <label [for]="id + '-file'">File</label>
      <input
        #fileInput
        type="file"
        [id]="id + '-file'"
        [accept]="accept"
        [disabled]="disabled()"
        [attr.aria-describedby]="id + '-file-hint'"
        (change)="choose($event)"
      />
      <span class="hint" [id]="id + '-file-hint'">PDF, JPEG, PNG, HEIC, Word (.docx) or text; up to 50 MB.</span>
    </div>

    <div class="field">
      <label [for]="id + '-kind'">{{ kindLabel() }}</label>
      <select [id]="id + '-kind'" [disabled]="disabled()" (change)="kind.set($any($event.target).value)">
        @for (label of kinds; track label) {
          <option [value]="label" [selected]="label === kind()">{{ label }}</option>
        }
      </select>
    </div>

    <div class="field">
      <label [for]="id + '-text'">{{ textLabel() }}</label>
      <textarea
        [id]="id + '-text'"
        [rows]="textRows()"
        maxlength="1000"
        [disabled]="disabled()"
        [value]="text()"
        (input)="text.set($any($event.target).value)"
      ></textarea>
    </div>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DocumentFields {
  readonly kindLabel = input.required<string>();
  readonly textLabel = input.required<string>();
  readonly textRows = input(3);
  readonly disabled = input(false);
  readonly file = model<File | undefined>(undefined);
  readonly kind = model<string>(DOCUMENT_KINDS[0].label);
  readonly text = model('');

  protected readonly id = `ws-document-${nextId++}`;
  protected readonly kinds = DOCUMENT_KINDS.map((kind) => kind.label);
  protected readonly accept = UPLOAD_ACCEPT;
  private readonly fileInput = viewChild.required<ElementRef<HTMLInputElement>>('fileInput');

  constructor() {
    effect(() => {
      if (!this.file()) this.fileInput().nativeElement.value = '';
    });
  }

  protected choose(event: Event): void {
    this.file.set((event.target as HTMLInputElement).files?.[0]);
  }
}
