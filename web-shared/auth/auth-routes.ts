import { inject } from '@angular/core';
import type { ResolveFn, Routes } from '@angular/router';
import { AUTH_CONFIG } from './auth-config';

/** "Signing in · Practice Console": the page, then the product name from provideAuth (a route's `title`). */
export const pageTitle =
  (page: string): ResolveFn<string> =>
  () =>
    `${page} · ${inject(AUTH_CONFIG).productName}`;

/**
 * The two pages of the sign-in flow, open to everyone: the redirect URI (`signed-in`, registered with
 * the server as `<app base>/signed-in`) and `signed-out`. Apps list them before their guarded routes.
 * Lazy, like the apps' own pages.
 */
export const signInRoutes: Routes = [
  {
    path: 'signed-in',
    title: pageTitle('Signing in'),
    loadComponent: () => import('./signed-in/signed-in').then((m) => m.SignedIn),
  },
  {
    path: 'signed-out',
    title: pageTitle('Signed out'),
    loadComponent: () => import('./signed-out/signed-out').then((m) => m.SignedOut),
  },
];
