import { HttpErrorResponse } from '@angular/common/http';
import { Component, DestroyRef, effect, inject, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { Clipboard } from '@angular/cdk/clipboard';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { filter, map, type Observable, type Subscription, switchMap } from 'rxjs';
import { errorMessages } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { AdminPracticeChoice } from '../../practices/admin-practice-choice';
import { AdminPracticePicker } from '../../practices/admin-practice-picker/admin-practice-picker';
import { ConfirmDialog, type ConfirmDialogData } from '../confirm-dialog/confirm-dialog';
import { type ClientKind, PracticeAppsApi, type RegisteredClient } from '../practice-apps-api';
import { RegisterAppForm, type RegisteredEvent } from '../register-app-form/register-app-form';

type ClientsStatus = 'idle' | 'loading' | 'loaded' | 'forbidden' | 'error';

const KIND_LABELS: Record<ClientKind, string> = {
  public: 'Public',
  'confidential-symmetric': 'Confidential (client secret)',
  'confidential-asymmetric': 'Confidential (private key JWT)',
  backend: 'Backend service',
};

/**
 * "Connected apps" (`/apps`): a practice administrator's list of the SMART apps registered for the
 * practice, with "Register app" and "Delete". With several administered practices, a selector picks
 * one. The toolbar only offers the page to administrators; the server has the last word, and a 403
 * from it is explained on the page. A new confidential client's secret is shown once, here, until
 * "Done": it is kept nowhere else.
 */
@Component({
  selector: 'pc-connected-apps',
  imports: [ErrorMessages, AdminPracticePicker, MatButtonModule, MatProgressBarModule, RegisterAppForm],
  templateUrl: './connected-apps.html',
  styleUrl: './connected-apps.css',
})
export class ConnectedApps {
  private readonly api = inject(PracticeAppsApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly clipboard = inject(Clipboard);
  private readonly destroyRef = inject(DestroyRef);

  /** Which administered practice the page is about (`<pc-admin-practice-picker>` shows and changes it). */
  protected readonly admin = new AdminPracticeChoice();
  private readonly practiceId = this.admin.practiceId;

  protected readonly clients = signal<RegisteredClient[]>([]);
  protected readonly clientsStatus = signal<ClientsStatus>('idle');
  protected readonly clientsErrors = signal<string[]>([]);
  protected readonly showForm = signal(false);
  /** The credentials of the client just registered; the secret exists only here, until "Done". */
  protected readonly credentials = signal<RegisteredEvent | null>(null);
  protected readonly deleting = signal<string | null>(null);
  private loadingClients?: Subscription;

  constructor() {
    // A practice on screen (the first one, once the practices are read, or another one selected) → its clients.
    effect(() => {
      const id = this.practiceId();
      untracked(() => this.loadClients(id));
    });
  }

  protected kindLabel(kind: ClientKind): string {
    return KIND_LABELS[kind] ?? kind;
  }

  protected reloadClients(): void {
    this.loadClients(this.practiceId());
  }

  protected registered(event: RegisteredEvent): void {
    this.showForm.set(false);
    this.credentials.set(event);
    this.reloadClients();
  }

  /** Forgets the one-time secret: after this, nothing in the console can show it again. */
  protected dismissCredentials(): void {
    this.credentials.set(null);
  }

  /**
   * Whether the page may be left: at once, unless a secret is on screen that was not dismissed, which
   * leaving would lose for good; then the user is asked.
   */
  confirmLeave(): boolean | Observable<boolean> {
    const shown = this.credentials();
    if (!shown?.clientSecret) return true;
    const data: ConfirmDialogData = {
      title: 'Leave without the client secret?',
      message: `The client secret of “${shown.name}” is shown only on this page. If you leave now, you will not see it again.`,
      confirm: 'Leave',
    };
    return this.dialog
      .open<ConfirmDialog, ConfirmDialogData, boolean>(ConfirmDialog, { data })
      .afterClosed()
      .pipe(map((confirmed) => confirmed === true));
  }

  protected copy(text: string, what: string): void {
    const copied = this.clipboard.copy(text);
    this.snackBar.open(
      copied
        ? `${what} copied to the clipboard.`
        : `Could not copy the ${what.toLowerCase()}: select it and copy it by hand.`,
      'OK',
      { duration: 4000 },
    );
  }

  protected confirmDelete(client: RegisteredClient): void {
    const practice = this.admin.practice();
    if (!practice || this.deleting()) return;
    const data: ConfirmDialogData = {
      title: `Delete “${client.name}”?`,
      message: `“${client.name}” (client ID ${client.clientId}) will no longer be able to sign in to ${practice.name}’s records or be launched from the console. This cannot be undone.`,
      confirm: 'Delete app',
    };
    this.dialog
      .open<ConfirmDialog, ConfirmDialogData, boolean>(ConfirmDialog, { data, autoFocus: 'dialog', restoreFocus: true })
      .afterClosed()
      .pipe(
        filter((confirmed) => confirmed === true),
        switchMap(() => {
          this.deleting.set(client.clientId);
          return this.api.deleteClient(practice.id, client.clientId);
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe({
        next: () => {
          this.deleting.set(null);
          this.clients.update((clients) => clients.filter((c) => c.clientId !== client.clientId));
          this.snackBar.open(`“${client.name}” was deleted.`, 'OK', { duration: 4000 });
        },
        error: (error: unknown) => {
          this.deleting.set(null);
          this.snackBar.open(`Could not delete “${client.name}”: ${errorMessages(error).join(' ')}`, 'Close', {
            duration: 10_000,
            politeness: 'assertive',
          });
        },
      });
  }

  private loadClients(practiceId: string | null): void {
    this.loadingClients?.unsubscribe();
    this.clients.set([]);
    this.clientsErrors.set([]);
    if (practiceId === null) {
      this.clientsStatus.set('idle');
      return;
    }
    this.clientsStatus.set('loading');
    this.loadingClients = this.api
      .clients(practiceId)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (clients) => {
          this.clients.set([...(Array.isArray(clients) ? clients : [])].sort((a, b) => a.name.localeCompare(b.name)));
          this.clientsStatus.set('loaded');
        },
        error: (error: unknown) => {
          this.clientsErrors.set(errorMessages(error));
          this.clientsStatus.set(error instanceof HttpErrorResponse && error.status === 403 ? 'forbidden' : 'error');
        },
      });
  }
}
