import type { Routes } from '@angular/router';
import type { Observable } from 'rxjs';
import { appRoutes } from '@web-shared/shell';

/**
 * Pages are lazy: the first paint only needs the shell and the page the user opened. appRoutes
 * (web-shared/shell) puts them behind sign-in, after the sign-in pages, and adds the not-found page.
 */
export const routes: Routes = appRoutes({
  home: { path: 'patients', label: 'Go to patients' },
  pages: [
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
      // The chart: header, notes, results and the sharing history.
      path: 'patients/:id',
      title: 'Patient chart · Practice Console',
      loadComponent: () => import('./patients/chart/patient-chart/patient-chart').then((m) => m.PatientChart),
    },
    {
      path: 'patients/:id/edit',
      title: 'Edit patient · Practice Console',
      loadComponent: () => import('./patients/patient-form/patient-form').then((m) => m.PatientForm),
    },
    {
      // The practice inbox: documents patients submitted and their profile changes, until reviewed.
      path: 'inbox',
      title: 'New from patients · Practice Console',
      loadComponent: () => import('./inbox/inbox-page').then((m) => m.InboxPage),
    },
    {
      // What patients find about the signed-in practitioner in the portal's directory.
      path: 'directory-profile',
      title: 'My directory profile · Practice Console',
      loadComponent: () => import('./directory-profile/directory-profile').then((m) => m.DirectoryProfilePage),
    },
    {
      // The practice's portal and sharing settings: in the toolbar for administrators only; anyone else is told why.
      path: 'settings/portal',
      title: 'Patient portal and clinical sharing · Practice Console',
      loadComponent: () => import('./settings/portal-settings/portal-settings').then((m) => m.PortalSettingsPage),
    },
    {
      // Offered in the toolbar to practice administrators only; the page explains a 403 to anyone else.
      path: 'apps',
      title: 'Connected apps · Practice Console',
      loadComponent: () => import('./apps/connected-apps/connected-apps').then((m) => m.ConnectedApps),
      // A new client's secret is shown once, on this page: leaving it asks first.
      canDeactivate: [(component: { confirmLeave(): boolean | Observable<boolean> }) => component.confirmLeave()],
    },
  ],
});
