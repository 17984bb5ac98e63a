// `@web-shared/auth`: browser sign-in for the apps (docs/decisions/0008-browser-app-sign-in.md).
// An app calls provideAuth({…}) and installs authInterceptor in its app.config.ts, puts signInRoutes
// before its routes and signedInGuard on them. Specs use `@web-shared/auth/testing`.
export {
  AUTH_CONFIG,
  type AuthConfig,
  type AuthOptions,
  BrowserLocation,
  FIRST_PARTY_SCOPE,
  provideAuth,
} from './auth-config';
export { signedInGuard } from './auth.guard';
export { authInterceptor, isAppApiRequest, isBearerRequest, isFhirApiRequest } from './auth.interceptor';
export { pageTitle, signInRoutes } from './auth-routes';
export {
  type AuthorizationResponse,
  AuthService,
  fhirUserOf,
  pendingSignInKey,
  safeReturnTo,
  SignInError,
  SMART_CONFIGURATION_URL,
  type SmartConfiguration,
  type TokenResponse,
} from './auth.service';
