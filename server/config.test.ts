import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has safe defaults: loopback host, embedded store, demo data', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.baseUrl, 'http://localhost:8080');
    assert.equal(config.fhirBaseUrl, 'http://localhost:8080/fhir/R4');
    assert.equal(config.mongodbUri, undefined);
    assert.equal(config.seedDemo, true);
    assert.equal(config.limits.bodyBytes, 16 * 1024 * 1024);
    assert.equal(config.production, false);
    assert.equal(config.mail.smtpUrl, undefined, 'outside production, mail is logged when no relay is configured');
    assert.equal(
      loadConfig({ NODE_ENV: 'production', SMTP_URL: 'smtp://relay.example.org' }).seedDemo,
      false,
      'no demo accounts by default in production',
    );
    assert.equal(config.mail.from, 'Patient portal <no-reply@localhost>');
    assert.equal(config.invitationTtlDays, 14, 'an invitation link works 14 days by default');
  });

  it('INVITATION_TTL_DAYS: 1 to 90 days', () => {
    assert.equal(loadConfig({ INVITATION_TTL_DAYS: '30' }).invitationTtlDays, 30);
    assert.throws(
      () => loadConfig({ INVITATION_TTL_DAYS: '0' }),
      /INVITATION_TTL_DAYS must be an integer from 1 to 90/,
    );
  });

  it('parses typed values', () => {
    const config = loadConfig({
      PORT: '9000',
      BASE_URL: 'https://portal.example.org/',
      SEED_DEMO: 'false',
      MONGODB_URI: 'mongodb://db:27017',
      BODY_LIMIT_BYTES: '2048',
    });
    assert.equal(config.port, 9000);
    assert.equal(config.baseUrl, 'https://portal.example.org');
    assert.equal(config.seedDemo, false);
    assert.equal(config.mongodbUri, 'mongodb://db:27017');
    assert.equal(config.limits.bodyBytes, 2048);
    assert.equal(
      config.mail.from,
      'Patient portal <no-reply@portal.example.org>',
      'the default sender follows BASE_URL',
    );
  });

  it('reads the mail relay and sender', () => {
    const config = loadConfig({
      SMTP_URL: 'smtps://user:secret@mail.example.org:465',
      MAIL_FROM: 'Clinic <clinic@example.org>',
      NODE_ENV: 'production',
    });
    assert.equal(config.production, true);
    assert.equal(config.mail.smtpUrl, 'smtps://user:secret@mail.example.org:465');
    assert.equal(config.mail.from, 'Clinic <clinic@example.org>');
    assert.equal(loadConfig({ MAIL_FROM: 'clinic@example.org' }).mail.from, 'clinic@example.org');
  });

  it('requires SMTP_URL in production', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      (err: unknown) => err instanceof ConfigError && /SMTP_URL is required when NODE_ENV=production/.test(err.message),
    );
  });

  it('rejects a relay that is not SMTP without echoing its credentials, and a sender that could inject headers', () => {
    assert.throws(
      () =>
        loadConfig({
          SMTP_URL: 'https://user:hunter2@mail.example.org',
          MAIL_FROM: 'x@example.org\r\nBcc: victim@example.org',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes('SMTP_URL must be an smtp://') &&
        !err.message.includes('hunter2') &&
        err.message.includes('MAIL_FROM'),
    );
    assert.throws(() => loadConfig({ MAIL_FROM: 'not an address' }), /MAIL_FROM/);
  });

  it('reports every bad variable by name', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: 'eighty',
          BASE_URL: 'ftp://x',
          SEED_DEMO: 'maybe',
          MONGODB_URI: 'postgres://x',
          LOG_LEVEL: 'loud',
          SMTP_URL: 'mail.example.org',
          MAIL_FROM: '<>',
        }),
      (err: unknown) =>
        err instanceof ConfigError &&
        ['PORT', 'BASE_URL', 'SEED_DEMO', 'MONGODB_URI', 'LOG_LEVEL', 'SMTP_URL', 'MAIL_FROM'].every((n) =>
          err.message.includes(n),
        ),
    );
  });
});
