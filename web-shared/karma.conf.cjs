// Karma for every browser test target in angular.json (practitioner-app, portal-app, web-shared):
// headless Chromium, one run. The browser discovery and flags are in ./karma-browser.cjs. The Angular
// builder adds each target's test files itself.
'use strict';

const { sharedKarmaConfig } = require('./karma-browser.cjs');

module.exports = function (config) {
  config.set(sharedKarmaConfig());
};
