import { InjectionToken } from '@angular/core';

/** The app's home page as the not-found page links to it, e.g. `{ path: 'patients', label: 'Go to patients' }`. */
export interface HomePage {
  /** The route path, without a leading `/`. */
  path: string;
  /** The link's text. */
  label: string;
}

/**
 * Provided by appRoutes on the not-found route. Apart from the page itself so that importing it
 * does not pull the lazy not-found page into the first bundle.
 */
export const HOME_PAGE = new InjectionToken<HomePage>('HOME_PAGE');
