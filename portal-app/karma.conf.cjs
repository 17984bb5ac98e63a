// Karma for the patient portal: headless Chromium, one run. The browser discovery and flags are shared
// with the practitioner console in ./karma-browser.cjs. The Angular builder adds the test files itself.
'use strict';

const { sharedKarmaConfig } = require('./karma-browser.cjs');

module.exports = function (config) {
  config.set(sharedKarmaConfig());
};
