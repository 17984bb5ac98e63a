// Karma for the practice console: headless Chromium, one run. The browser discovery and flags are shared
// with the patient portal in ../portal-app/karma-browser.cjs. The Angular builder adds the test files itself.
'use strict';

const { sharedKarmaConfig } = require('../portal-app/karma-browser.cjs');

module.exports = function (config) {
  config.set(sharedKarmaConfig());
};
