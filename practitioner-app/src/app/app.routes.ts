import type { Routes } from '@angular/router';

/** Pages are lazy: the first paint only needs the shell and the page the user opened. */
export const routes: Routes = [
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
    path: '**',
    title: 'Page not found · Practice Console',
    loadComponent: () => import('./not-found/not-found').then((m) => m.NotFound),
  },
];
