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
  });

  it('parses typed values', () => {
    const config = loadConfig({ PORT: '9000', BASE_URL: 'https://portal.example.org/', SEED_DEMO: 'false', MONGODB_URI: 'mongodb://db:27017', BODY_LIMIT_BYTES: '2048' });
    assert.equal(config.port, 9000);
    assert.equal(config.baseUrl, 'https://portal.example.org');
    assert.equal(config.seedDemo, false);
    assert.equal(config.mongodbUri, 'mongodb://db:27017');
    assert.equal(config.limits.bodyBytes, 2048);
  });

  it('reports every bad variable by name', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty', BASE_URL: 'ftp://x', SEED_DEMO: 'maybe', MONGODB_URI: 'postgres://x', LOG_LEVEL: 'loud' }),
      (err: unknown) => err instanceof ConfigError && ['PORT', 'BASE_URL', 'SEED_DEMO', 'MONGODB_URI', 'LOG_LEVEL'].every((n) => err.message.includes(n)),
    );
  });
});
