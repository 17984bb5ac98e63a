import type { Routes } from '@angular/router';
import { signedInGuard, signInRoutes } from '@web-shared/auth';

/**
 * Pages are lazy: the first paint only needs the shell and the page the user opened. Every page needs
 * a signed-in user (the guard starts sign-in) except the two pages of the sign-in flow itself
 * (`signed-in`, `signed-out`: signInRoutes, titled with the product name from provideAuth).
 */
export const routes: Routes = [
  ...signInRoutes,
  {
    path: '',
    canActivateChild: [signedInGuard],
    children: [
      // The directory is the only page so far, so it is also the home page.
      { path: '', pathMatch: 'full', redirectTo: 'practitioners' },
      {
        path: 'practitioners',
        title: 'Find a practitioner · Patient Portal',
        loadComponent: () => import('./practitioners/practitioner-directory/practitioner-directory').then((m) => m.PractitionerDirectory),
      },
      {
        path: '**',
        title: 'Page not found · Patient Portal',
        loadComponent: () => import('./not-found/not-found').then((m) => m.NotFound),
      },
    ],
  },
];
