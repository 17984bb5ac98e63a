import { Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { ActivatedRoute, Router } from '@angular/router';
import { map } from 'rxjs';
import { AUTH_CONFIG } from '../auth-config';
import { AuthService } from '../auth.service';

/**
 * Open to everyone: where sign-out ends when the server has no end-session endpoint, and where the
 * guard sends users when sign-in cannot start (`?reason=unavailable`).
 */
@Component({
  selector: 'ws-signed-out',
  imports: [MatButtonModule],
  template: `
    <section class="page">
      @if (unavailable()) {
        <h1>Sign-in unavailable</h1>
        <p role="alert">The sign-in server could not be reached. Check your connection and try again.</p>
      } @else {
        <h1>Signed out</h1>
        <p>You are signed out of the {{ productName }}.</p>
      }
      <button mat-flat-button type="button" (click)="signIn()">Sign in</button>
    </section>
  `,
})
export class SignedOut {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly productName = inject(AUTH_CONFIG).productName;
  private readonly reason = toSignal(inject(ActivatedRoute).queryParamMap.pipe(map((q) => q.get('reason'))));
  protected readonly unavailable = computed(() => this.reason() === 'unavailable');

  protected signIn(): void {
    this.auth.signIn('/').catch(() => this.router.navigate([], { queryParams: { reason: 'unavailable' } }));
  }
}
