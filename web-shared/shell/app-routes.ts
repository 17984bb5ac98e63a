import type { Routes } from '@angular/router';
import { pageTitle, signedInGuard, signInRoutes } from '@web-shared/auth';
import { HOME_PAGE, type HomePage } from './home-page';

export interface AppRoutesOptions {
  /** Where `''` goes, and the way back the not-found page offers. */
  home: HomePage;
  /** The app's own pages (lazy, titled "… · <product name>"). */
  pages: Routes;
}

/**
 * The routes of an app: the two pages of the sign-in flow open to everyone (signInRoutes), then
 * the app's pages behind signedInGuard (which starts sign-in), `''` redirecting to the home page
 * and any other URL answered by the not-found page, titled "Page not found · <product name>".
 */
export function appRoutes({ home, pages }: AppRoutesOptions): Routes {
  return [
    ...signInRoutes,
    {
      path: '',
      canActivateChild: [signedInGuard],
      children: [
        { path: '', pathMatch: 'full', redirectTo: home.path },
        ...pages,
        {
          path: '**',
          title: pageTitle('Page not found'),
          providers: [{ provide: HOME_PAGE, useValue: home }],
          loadComponent: () => import('./not-found/not-found').then((m) => m.NotFound),
        },
      ],
    },
  ];
}
