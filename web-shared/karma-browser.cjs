// The Karma setup of every browser test target (practitioner-app, portal-app, web-shared), loaded by
// ./karma.conf.cjs (the repository root belongs to the server, so the shared file lives here). It
// finds the Chromium to test in and the flags it needs; nothing here downloads a browser.
'use strict';

const { existsSync } = require('node:fs');

const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium binary: CHROME_BIN wins (CI images and developers with another install set it),
 * then Debian's package. Failing here, with the fix in the message, beats karma-chrome-launcher's
 * vague "No binary for ChromeHeadless browser" after the build has already run.
 */
function findChromium(env = process.env, exists = existsSync) {
  if (env.CHROME_BIN) return env.CHROME_BIN;
  if (exists(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  throw new Error('No Chromium found: install it (apt-get install -y chromium) or set CHROME_BIN');
}

/** Karma settings common to the test targets: one headless Chromium run, quiet output. */
function sharedKarmaConfig() {
  // karma-chrome-launcher reads the binary from CHROME_BIN.
  process.env.CHROME_BIN = findChromium();
  return {
    frameworks: ['jasmine'],
    plugins: [require('karma-jasmine'), require('karma-chrome-launcher')],
    browsers: ['ChromiumHeadlessCI'],
    customLaunchers: {
      ChromiumHeadlessCI: {
        base: 'ChromeHeadless',
        flags: [
          // Root in containers has no user namespaces for Chromium's sandbox.
          '--no-sandbox',
          '--disable-gpu',
          // Docker's /dev/shm is 64 MB, too small for Chromium's shared memory.
          '--disable-dev-shm-usage',
          // No calls home during tests: they are slow, flaky offline and pointless here.
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      },
    },
    client: { jasmine: { random: true }, clearContext: true },
    reporters: ['dots'],
    singleRun: true,
    autoWatch: false,
    // A 2-core CI machine builds the tests and starts Chromium: give it time before giving up.
    captureTimeout: 120000,
    browserNoActivityTimeout: 120000,
    browserDisconnectTolerance: 1,
  };
}

module.exports = { findChromium, sharedKarmaConfig };
