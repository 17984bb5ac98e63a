import type { Routes } from '@angular/router';
import { appRoutes } from '@web-shared/shell';

/**
 * Pages are lazy: the first paint only needs the shell and the page the user opened. appRoutes
 * (web-shared/shell) puts them behind sign-in, after the sign-in pages, and adds the not-found page.
 */
export const routes: Routes = appRoutes({
  // The directory is the only page so far, so it is also the home page.
  home: { path: 'practitioners', label: 'Find a practitioner' },
  pages: [
    {
      path: 'practitioners',
      title: 'Find a practitioner · Patient Portal',
      loadComponent: () =>
        import('./practitioners/practitioner-directory/practitioner-directory').then((m) => m.PractitionerDirectory),
    },
  ],
});
