import type { Routes } from '@angular/router';

/** Pages are lazy: the first paint only needs the shell and the page the user opened. */
export const routes: Routes = [
  // The directory is the only public page so far, so it is also the home page.
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
];
