// `@web-shared/testing`: spec helpers of both apps and this folder (nothing in the apps' code imports it).
// Sign-in helpers are in `@web-shared/auth/testing`, the shell's in `@web-shared/shell/testing`.
export { configureHttpTesting } from './http-testing';
