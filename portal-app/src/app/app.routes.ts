import type { Routes } from '@angular/router';
import { appRoutes } from '@web-shared/shell';

/**
 * Pages are lazy: the first paint only needs the shell and the page the user opened. appRoutes
 * (web-shared/shell) puts them behind sign-in, after the sign-in pages, and adds the not-found page.
 */
export const routes: Routes = appRoutes({
  // The directory needs nothing of the patient's record, so it stays the page a new patient lands on.
  home: { path: 'practitioners', label: 'Find a practitioner' },
  pages: [
    {
      path: 'practitioners',
      title: 'Find a practitioner · Patient Portal',
      loadComponent: () =>
        import('./practitioners/practitioner-directory/practitioner-directory').then((m) => m.PractitionerDirectory),
    },
    {
      path: 'practitioners/:id',
      title: 'Practitioner · Patient Portal',
      loadComponent: () =>
        import('./practitioners/practitioner-profile/practitioner-profile').then((m) => m.PractitionerProfilePage),
    },
    {
      path: 'my-practitioners',
      title: 'My practitioners · Patient Portal',
      loadComponent: () => import('./practitioners/my-practitioners/my-practitioners').then((m) => m.MyPractitioners),
    },
    {
      path: 'record',
      title: 'My health record · Patient Portal',
      loadComponent: () => import('./record/health-record/health-record').then((m) => m.HealthRecord),
    },
    {
      path: 'profile',
      title: 'My profile · Patient Portal',
      loadComponent: () => import('./profile/profile-page/profile-page').then((m) => m.ProfilePage),
    },
  ],
});
