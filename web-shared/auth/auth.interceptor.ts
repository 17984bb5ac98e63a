import {
  HttpErrorResponse,
  type HttpEvent,
  type HttpHandlerFn,
  type HttpInterceptorFn,
  type HttpRequest,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, from, type Observable, switchMap, throwError } from 'rxjs';
import { FHIR_BASE } from '../fhir/fhir-client';
import { AUTH_CONFIG, BrowserLocation } from './auth-config';
import { AuthService } from './auth.service';

/**
 * Adds `Authorization: Bearer <access token>` to requests for this origin's FHIR API (`/fhir/R4`) and
 * below the app's `apiBases` (provideAuth; the console's `/api/…`: EHR launch, the practice's apps and
 * clients), and to nothing else: the token must never leave for another origin or another path of this
 * one (`/oauth/…`, the app's own files). On a 401 it gets a new token once (AuthService.refreshAfter:
 * single flight, rotation) and repeats the request; if that fails, or the repeat is refused too, the
 * session is over and sign-in starts again (immediately signed in again while the server's session
 * lasts). The request then fails with the 401.
 */
export const authInterceptor: HttpInterceptorFn = (req, next) => {
  const location = inject(BrowserLocation);
  const { apiBases } = inject(AUTH_CONFIG);
  if (!isBearerRequest(req.url, location.origin(), location.appBase(), apiBases)) return next(req);
  const auth = inject(AuthService);
  const router = inject(Router);

  const restartSignIn = (error: HttpErrorResponse): Observable<never> => {
    // signIn() navigates away; if it cannot start (server down) the failed request tells the user.
    auth.signIn(router.url).catch(() => undefined);
    return throwError(() => error);
  };

  const token = auth.accessToken();
  if (token === null) {
    return restartSignIn(new HttpErrorResponse({ status: 401, statusText: 'Not signed in', url: req.url }));
  }
  return next(withToken(req, token)).pipe(
    catchError((error: unknown) => {
      if (!(error instanceof HttpErrorResponse) || error.status !== 401) return throwError(() => error);
      return from(auth.refreshAfter(token)).pipe(
        catchError(() => restartSignIn(error)),
        switchMap((fresh) => retryOnce(req, fresh, next, restartSignIn)),
      );
    }),
  );
};

function retryOnce(
  req: HttpRequest<unknown>,
  token: string,
  next: HttpHandlerFn,
  restartSignIn: (error: HttpErrorResponse) => Observable<never>,
): Observable<HttpEvent<unknown>> {
  return next(withToken(req, token)).pipe(
    catchError((error: unknown) =>
      error instanceof HttpErrorResponse && error.status === 401 ? restartSignIn(error) : throwError(() => error),
    ),
  );
}

function withToken(req: HttpRequest<unknown>, token: string): HttpRequest<unknown> {
  return req.clone({ setHeaders: { Authorization: `Bearer ${token}` } });
}

/** True for the requests that carry the access token: this origin's FHIR API or the paths below one of `apiBases`. */
export function isBearerRequest(
  url: string,
  origin: string,
  documentBase: string,
  apiBases: readonly string[] = [],
): boolean {
  return (
    isFhirApiRequest(url, origin, documentBase) ||
    apiBases.some((apiBase) => isAppApiRequest(url, origin, documentBase, apiBase))
  );
}

/**
 * True for the paths below this origin's `apiBase` (e.g. `/api`), resolved the way the browser will
 * resolve the request URL; false for other origins, `/api` itself, `/apix/…` and relative `api/…`
 * (which is below the app's base, e.g. `/console/api/…`).
 */
export function isAppApiRequest(url: string, origin: string, documentBase: string, apiBase: string): boolean {
  const target = resolve(url, documentBase);
  return target !== undefined && target.origin === origin && target.pathname.startsWith(`${apiBase}/`);
}

/**
 * True for this origin's `/fhir/R4` and the paths below it, resolved the way the browser will resolve
 * the request URL; false for other origins, other paths (`/oauth/…`, `/fhir/R4x`) and the public
 * discovery documents under `/fhir/R4/.well-known/`.
 */
export function isFhirApiRequest(url: string, origin: string, documentBase: string): boolean {
  const target = resolve(url, documentBase);
  if (target === undefined || target.origin !== origin) return false;
  const path = target.pathname;
  if (path !== FHIR_BASE && !path.startsWith(`${FHIR_BASE}/`)) return false;
  return !path.startsWith(`${FHIR_BASE}/.well-known/`);
}

function resolve(url: string, documentBase: string): URL | undefined {
  try {
    return new URL(url, documentBase);
  } catch {
    return undefined;
  }
}
