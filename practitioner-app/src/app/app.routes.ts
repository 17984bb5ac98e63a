import type { Routes } from '@angular/router';
import type { Observable } from 'rxjs';
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
      { path: '', pathMatch: 'full', redirectTo: 'patients' },
      {
        path: 'patients',
        title: 'Patients · Practice Console',
        loadComponent: () => import('./patients/patient-list/patient-list').then((m) => m.PatientList),
      },
      {
        path: 'patients/new',
        title: 'New patient · Practice Console',
        loadComponent: () => import('./patients/patient-form/patient-form').then((m) => m.PatientForm),
      },
      {
        path: 'patients/:id',
        title: 'Edit patient · Practice Console',
        loadComponent: () => import('./patients/patient-form/patient-form').then((m) => m.PatientForm),
      },
      {
        // Offered in the toolbar to practice administrators only; the page explains a 403 to anyone else.
        path: 'apps',
        title: 'Connected apps · Practice Console',
        loadComponent: () => import('./apps/connected-apps/connected-apps').then((m) => m.ConnectedApps),
        // A new client's secret is shown once, on this page: leaving it asks first.
        canDeactivate: [(component: { confirmLeave(): boolean | Observable<boolean> }) => component.confirmLeave()],
      },
      {
        path: '**',
        title: 'Page not found · Practice Console',
        loadComponent: () => import('./not-found/not-found').then((m) => m.NotFound),
      },
    ],
  },
];
