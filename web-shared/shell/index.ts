// `@web-shared/shell`: what both apps put around their pages. An app's root component wraps its
// navigation and `<router-outlet />` in <ws-app-frame>; its app.routes.ts is appRoutes({ home, pages }).
// Specs use `@web-shared/shell/testing`.
export { AppFrame } from './app-frame/app-frame';
export { ErrorMessages } from './error-messages/error-messages';
export { appRoutes, type AppRoutesOptions } from './app-routes';
export { HOME_PAGE, type HomePage } from './home-page';
// The not-found page is not exported: appRoutes loads it lazily.
