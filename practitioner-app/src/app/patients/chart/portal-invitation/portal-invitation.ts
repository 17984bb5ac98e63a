import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { errorMessages, type Organization, type Patient } from '@web-shared/fhir';
import { InvitationApi } from './invitation-api';
import { invitationState, inviteBlocker, type InvitationTask, STATE_TEXT } from './invitation-model';

/**
 * The chart header's portal invitation: its state (sent, opened, accepted, expired, revoked) and
 * "Invite to portal" / "Resend invitation" / "Revoke invitation". The button is disabled, with the
 * reason shown beside it, when the practice turned invitations off or the patient has no e-mail
 * (the server refuses those too). Resending cancels the previous link (the server does).
 */
@Component({
  selector: 'pc-portal-invitation',
  imports: [MatButtonModule],
  template: `<div class="portal-invitation">
    <p class="state" role="status">{{ stateText() }}</p>
    @if (state() !== 'accepted') {
      <button
        mat-stroked-button
        type="button"
        [disabled]="busy() || blocker() !== undefined"
        [attr.aria-describedby]="blocker() ? 'invite-blocker' : null"
        (click)="invite()"
      >
        {{ state() === 'none' ? 'Invite to portal' : 'Resend invitation' }}
      </button>
      @if (state() === 'sent' || state() === 'opened') {
        <button mat-button type="button" [disabled]="busy()" (click)="revoke()">Revoke invitation</button>
      }
    }
    @if (blocker(); as reason) {
      @if (state() !== 'accepted') {
        <p class="hint" id="invite-blocker">{{ reason }}</p>
      }
    }
    @for (message of errors(); track $index) {
      <p class="error" role="alert">{{ message }}</p>
    }
  </div>`,
  styles: `
    .portal-invitation {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem;
    }
    .state,
    .hint,
    .error {
      margin: 0;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PortalInvitation {
  readonly patient = input.required<Patient>();
  /** The owning practice's Organization (its settings); undefined while unknown. */
  readonly practice = input<Organization | undefined>(undefined);

  private readonly api = inject(InvitationApi);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly task = signal<InvitationTask | undefined>(undefined);
  protected readonly busy = signal(false);
  protected readonly errors = signal<string[]>([]);
  protected readonly state = computed(() => invitationState(this.task()));
  protected readonly stateText = computed(() => STATE_TEXT[this.state()]);
  protected readonly blocker = computed(() => inviteBlocker(this.patient(), this.practice()));

  constructor() {
    effect(() => {
      const id = this.patient().id;
      if (id) untracked(() => this.load(id));
    });
  }

  protected invite(): void {
    this.run(this.api.invite(this.patient().id ?? ''));
  }

  protected revoke(): void {
    this.run(this.api.revoke(this.patient().id ?? ''));
  }

  private load(id: string): void {
    this.api
      .latest(id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (task) => this.task.set(task),
        error: (error: unknown) => this.errors.set(errorMessages(error)),
      });
  }

  private run(request: ReturnType<InvitationApi['invite']>): void {
    this.busy.set(true);
    this.errors.set([]);
    request.pipe(takeUntilDestroyed(this.destroyRef)).subscribe({
      next: (task) => {
        this.task.set(task);
        this.busy.set(false);
      },
      error: (error: unknown) => {
        this.errors.set(errorMessages(error));
        this.busy.set(false);
      },
    });
  }
}
