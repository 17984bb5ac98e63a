import { inject } from '@angular/core';
import { type CanActivateChildFn, type CanActivateFn, Router } from '@angular/router';
import { AuthService } from './auth.service';

/**
 * Lets signed-in users through. Anyone else is sent to the server to sign in, coming back to the URL
 * they asked for; after a reload this is immediate while the server's sign-in session lasts. If
 * sign-in cannot even start (the server does not answer), the "signed out" page says so.
 */
export const signedInGuard: CanActivateFn & CanActivateChildFn = async (_route, state) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  if (auth.signedIn()) return true;
  try {
    await auth.signIn(state.url);
    return false;
  } catch {
    return router.createUrlTree(['/signed-out'], { queryParams: { reason: 'unavailable' } });
  }
};
