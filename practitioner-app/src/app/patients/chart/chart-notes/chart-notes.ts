import {
  Component,
  computed,
  effect,
  type ElementRef,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { FormControl, FormGroup, type FormGroupDirective, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { MatSlideToggleChange } from '@angular/material/slide-toggle';
import { AuthService } from '@web-shared/auth';
import { type DocumentReference, isVersionConflict } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { ShowMore } from '../../../paging/show-more/show-more';
import { ChartApi } from '../chart-api';
import { ChartList } from '../chart-list';
import { ShareSwitch } from '../share-switch/share-switch';
import { formatFhirDate, isShared, noteText, sharedByDefault, withNoteText } from '../chart-model';
import type { Audience, ChartItem } from '../chart-types';

/** The practice's note-sharing setting as far as the chart knows it. */
export type NoteSharingState = 'on' | 'off' | 'unknown';

export const NOTE_SHARING_OFF_REASON = 'Your practice has turned off sharing notes with colleagues.';
export const NOTE_SHARING_UNKNOWN_REASON =
  "Sharing with colleagues is unavailable: the practice's settings could not be read.";

/** One note as the list shows it. */
interface NoteRow {
  id: string;
  note: DocumentReference & { id: string };
  date: string;
  author: string;
  mine: boolean;
  draft: boolean;
  text: string;
  sharedWithPatient: boolean;
  /** Not marked, but the patient sees it through the practice's default for notes. */
  patientSeesByDefault: boolean;
  sharedWithColleagues: boolean;
}

/**
 * The chart's notes: the patient's clinical notes newest first, "Write a note" (a draft), editing
 * and signing one's own drafts, and the share toggles on one's own notes. The server decides what
 * is allowed; the toggles show only where it would say yes, and its refusals are shown in words.
 */
@Component({
  selector: 'pc-chart-notes',
  imports: [
    ReactiveFormsModule,
    ErrorMessages,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    ShareSwitch,
    ShowMore,
  ],
  templateUrl: './chart-notes.html',
  styleUrl: './chart-notes.css',
})
export class ChartNotes {
  readonly patientId = input.required<string>();
  readonly noteSharing = input<NoteSharingState>('unknown');
  /** The practice shares notes with patients by default (its record-sharing-default has `notes`). */
  readonly sharedByDefault = input(false);
  /** The notes listed, for the sharing history. */
  readonly listed = output<ChartItem[]>();
  /** A sharing mark changed: the history has a new record. */
  readonly sharingChanged = output<void>();

  private readonly api = inject(ChartApi);
  private readonly auth = inject(AuthService);

  protected readonly list = new ChartList<DocumentReference>('DocumentReference', () => this.emitListed());
  /** The last action was refused because the note changed elsewhere: "Reload notes" is offered. */
  protected readonly conflict = signal(false);
  protected readonly editingId = signal<string | null>(null);

  protected readonly draft = new FormControl('', { nonNullable: true, validators: [Validators.required] });
  protected readonly editText = new FormControl('', { nonNullable: true, validators: [Validators.required] });
  // Groups only so the forms emit ngSubmit (Enter in a field, the submit button).
  protected readonly composeForm = new FormGroup({ text: this.draft });
  protected readonly editForm = new FormGroup({ text: this.editText });

  protected readonly colleaguesReason = computed(() =>
    this.noteSharing() === 'on'
      ? ''
      : this.noteSharing() === 'off'
        ? NOTE_SHARING_OFF_REASON
        : NOTE_SHARING_UNKNOWN_REASON,
  );

  protected readonly rows = computed<NoteRow[]>(() => {
    const me = this.auth.fhirUser();
    return this.list
      .items()
      .filter((note): note is DocumentReference & { id: string } => !!note.id)
      .map((note) => {
        const author = note.author?.[0];
        const mine = !!me && author?.reference === me;
        return {
          id: note.id,
          note,
          date: formatFhirDate(note.date),
          author: mine ? 'You' : author?.display || author?.reference || 'Unknown author',
          mine,
          draft: note.docStatus === 'preliminary',
          text: noteText(note),
          sharedWithPatient: isShared(note, 'patient'),
          patientSeesByDefault: sharedByDefault(note, this.sharedByDefault()),
          sharedWithColleagues: isShared(note, 'colleagues'),
        };
      });
  });

  /** The draft being edited: it gets the focus, so keyboard users type straight away. */
  private readonly editBox = viewChild<ElementRef<HTMLTextAreaElement>>('editBox');
  /** The compose form's directive: resetting it clears "submitted", so the empty box is not shown in error. */
  private readonly composeDirective = viewChild<FormGroupDirective>('composeDirective');

  constructor() {
    effect(() => this.editBox()?.nativeElement.focus());
    effect(() => {
      const patientId = this.patientId();
      untracked(() => this.load(patientId));
    });
  }

  protected reload(): void {
    this.load(this.patientId());
  }

  private load(patientId: string): void {
    this.list.actionErrors.set([]);
    this.conflict.set(false);
    this.editingId.set(null);
    this.list.load(this.api.notes(patientId));
  }

  protected write(): void {
    const me = this.auth.fhirUser();
    const text = this.draft.value.trim();
    if (this.list.busy()) return;
    if (!text) {
      this.draft.markAsTouched();
      return;
    }
    if (!me) {
      this.list.actionErrors.set(['You are not signed in as a practitioner, so you cannot write notes.']);
      return;
    }
    const name = this.auth.displayName();
    const author = name && name !== me ? { reference: me, display: name } : { reference: me };
    this.run(this.api.createNote(this.patientId(), author, text), (created) => {
      this.composeDirective()?.resetForm({ text: '' });
      this.list.prepend(created);
    });
  }

  protected startEditing(row: NoteRow): void {
    this.list.actionErrors.set([]);
    this.editText.reset(row.text);
    this.editingId.set(row.id);
  }

  protected cancelEditing(): void {
    this.editingId.set(null);
  }

  protected saveEdit(row: NoteRow): void {
    const text = this.editText.value.trim();
    if (!text) {
      this.editText.markAsTouched();
      return;
    }
    this.run(this.api.updateNote({ ...withNoteText(row.note, text), id: row.id }), (saved) => {
      this.list.replace(saved);
      this.editingId.set(null);
    });
  }

  protected sign(row: NoteRow): void {
    this.run(this.api.updateNote({ ...row.note, docStatus: 'final' }), (saved) => this.list.replace(saved));
  }

  protected toggleShare(row: NoteRow, audience: Audience, change: MatSlideToggleChange): void {
    this.run(
      this.api.setShared(row.note, audience, change.checked),
      (saved) => {
        this.list.replace(saved);
        this.sharingChanged.emit();
      },
      // Refused: the toggle goes back to the state the server still has.
      () => (change.source.checked = !change.checked),
    );
  }

  /** One action on a note: the list's, plus "Reload notes" when the note changed elsewhere (412). */
  private run(
    request: ReturnType<ChartApi['updateNote']>,
    done: (note: DocumentReference) => void,
    failed?: () => void,
  ): void {
    this.conflict.set(false);
    this.list.run(request, done, {
      failed: (error) => {
        this.conflict.set(isVersionConflict(error));
        failed?.();
      },
    });
  }

  private emitListed(): void {
    this.listed.emit(
      this.rows().map((row) => ({
        reference: `DocumentReference/${row.id}`,
        label: `Note of ${row.date || 'no date'}`,
      })),
    );
  }
}
