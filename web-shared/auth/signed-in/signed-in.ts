import { Component, inject, type OnInit, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { ActivatedRoute, Router } from '@angular/router';
import { AuthService, SignInError } from '../auth.service';

/**
 * The redirect URI (`/signed-in`): the server sends the browser here with `code` and `state` (or
 * `error`). The exchange happens once; then the app opens the page sign-in started from, replacing
 * this URL so the code is not kept in the history. A refused answer gets a page that says why.
 */
@Component({
  selector: 'ws-signed-in',
  imports: [MatButtonModule, MatProgressBarModule],
  template: `
    @if (problem(); as message) {
      <section class="page">
        <h1>Sign-in failed</h1>
        <p role="alert">{{ message }}</p>
        <button mat-flat-button type="button" (click)="signInAgain()">Sign in again</button>
      </section>
    } @else {
      <section class="page" aria-busy="true">
        <h1>Signing in…</h1>
        <mat-progress-bar mode="indeterminate" aria-label="Signing in" />
      </section>
    }
  `,
})
export class SignedIn implements OnInit {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected readonly problem = signal<string | null>(null);

  ngOnInit(): void {
    const query = this.route.snapshot.queryParamMap;
    this.auth
      .completeSignIn({
        code: query.get('code'),
        state: query.get('state'),
        error: query.get('error'),
        error_description: query.get('error_description'),
      })
      .then((returnTo) => this.router.navigateByUrl(returnTo, { replaceUrl: true }))
      .catch((error: unknown) =>
        this.problem.set(
          error instanceof SignInError ? error.message : 'Something went wrong while signing in. Please sign in again.',
        ),
      );
  }

  protected signInAgain(): void {
    this.auth
      .signIn('/')
      .catch(() => this.problem.set('The server could not be reached. Check your connection and try again.'));
  }
}
