import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScope, parseScopes, ScopeError, scopeCovers, scopesBeyond } from './scopes.ts';

const VITALS = 'category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

describe('parseScopes', () => {
  it('parses SMART v1 scopes', () => {
    assert.deepEqual(parseScopes('patient/*.read'), [
      { context: 'patient', resourceType: '*', interactions: ['r', 's'] },
    ]);
    assert.deepEqual(parseScopes('user/Observation.write'), [
      { context: 'user', resourceType: 'Observation', interactions: ['c', 'u', 'd'] },
    ]);
    assert.deepEqual(parseScopes('user/*.*'), [
      { context: 'user', resourceType: '*', interactions: ['c', 'r', 'u', 'd', 's'] },
    ]);
    assert.deepEqual(parseScopes('system/Patient.*'), [
      { context: 'system', resourceType: 'Patient', interactions: ['c', 'r', 'u', 'd', 's'] },
    ]);
  });

  it('parses SMART v2 scopes, including granular ones', () => {
    assert.deepEqual(parseScopes('patient/Observation.rs'), [
      { context: 'patient', resourceType: 'Observation', interactions: ['r', 's'] },
    ]);
    assert.deepEqual(parseScopes('user/*.cruds'), [
      { context: 'user', resourceType: '*', interactions: ['c', 'r', 'u', 'd', 's'] },
    ]);
    assert.deepEqual(parseScopes('system/Encounter.d'), [
      { context: 'system', resourceType: 'Encounter', interactions: ['d'] },
    ]);
    assert.deepEqual(parseScopes(`patient/Observation.rs?${VITALS}`), [
      { context: 'patient', resourceType: 'Observation', interactions: ['r', 's'], query: VITALS },
    ]);
    assert.deepEqual(
      parseScopes('patient/Observation.rs?category=laboratory&status=final')[0]?.query,
      'category=laboratory&status=final',
    );
  });

  it('accepts the launch, identity and refresh scopes without returning them', () => {
    const scope =
      'launch launch/patient launch/encounter openid fhirUser profile offline_access online_access patient/Patient.r';
    assert.deepEqual(parseScopes(scope), [{ context: 'patient', resourceType: 'Patient', interactions: ['r'] }]);
    assert.deepEqual(parseScopes(''), []);
    assert.deepEqual(parseScopes('  openid   fhirUser '), [], 'extra spaces are tolerated');
  });

  it('keeps one entry per distinct scope, in order', () => {
    assert.deepEqual(
      parseScopes('patient/A.r patient/B.r patient/A.r').map((s) => s.resourceType),
      ['A', 'B'],
    );
  });

  const malformed: Array<[string, RegExp]> = [
    ['*.*', /is not a known scope/],
    ['Observation.read', /is not a known scope/],
    ['practice/Observation.rs', /must start with patient\/, user\/ or system\//],
    ['patient/Observation', /needs a permission/],
    ['patient/observation.rs', /needs a resource type/],
    ['patient/.rs', /needs a resource type/],
    ['patient/Observation.sr', /in that order/],
    ['patient/Observation.rrs', /in that order/],
    ['patient/Observation.x', /unknown permission/],
    ['patient/Observation.', /unknown permission/],
    ['patient/Observation.readwrite', /unknown permission/],
    ['patient/Observation.read?category=vital-signs', /mixes a v1 permission/],
    ['patient/Observation.rs?', /empty search query/],
    ['patient/Observation.rs?category', /malformed search parameter "category"/],
    ['patient/Observation.rs?a=1&&b=2', /malformed search parameter ""/],
    ['launch/location', /must start with patient\/, user\/ or system\//],
    ['openid2', /is not a known scope/],
    ['patient/Obs"ervation.rs', /characters a scope cannot have/],
    [`patient/Observation.rs?category=${'x'.repeat(600)}`, /longer than 512/],
  ];
  for (const [scope, message] of malformed) {
    it(`refuses ${JSON.stringify(scope.slice(0, 60))} with a clear error`, () => {
      assert.throws(
        () => parseScopes(`openid ${scope}`),
        (err: unknown) => {
          assert.ok(err instanceof ScopeError);
          assert.match(err.message, message);
          assert.equal(err.scope, scope);
          return true;
        },
      );
    });
  }
});

describe('scopeCovers and scopesBeyond', () => {
  const scope = (s: string) => parseScope(s)!;

  it('a wider scope covers a narrower one of the same context', () => {
    assert.equal(scopeCovers(scope('patient/*.cruds'), scope('patient/Observation.rs')), true);
    assert.equal(scopeCovers(scope('patient/*.read'), scope('patient/Observation.rs')), true);
    assert.equal(scopeCovers(scope('patient/Observation.rs'), scope(`patient/Observation.rs?${VITALS}`)), true);
    assert.equal(
      scopeCovers(scope(`patient/Observation.rs?${VITALS}`), scope(`patient/Observation.r?${VITALS}`)),
      true,
    );
  });

  it('does not cover another context, type, interaction or query', () => {
    assert.equal(scopeCovers(scope('patient/*.rs'), scope('user/Observation.rs')), false);
    assert.equal(scopeCovers(scope('patient/Patient.rs'), scope('patient/Observation.rs')), false);
    assert.equal(scopeCovers(scope('patient/Observation.rs'), scope('patient/Observation.c')), false);
    assert.equal(scopeCovers(scope(`patient/Observation.rs?${VITALS}`), scope('patient/Observation.rs')), false);
    assert.equal(
      scopeCovers(scope(`patient/Observation.rs?${VITALS}`), scope('patient/Observation.rs?category=laboratory')),
      false,
    );
  });

  it('lists what an allow-list does not cover', () => {
    const allowed = 'openid fhirUser launch/patient offline_access patient/*.rs';
    assert.deepEqual(scopesBeyond(allowed, ['openid', 'patient/Observation.rs', 'launch/patient']), []);
    assert.deepEqual(scopesBeyond(allowed, ['online_access', 'patient/Observation.c', 'user/Patient.r', 'launch']), [
      'online_access',
      'patient/Observation.c',
      'user/Patient.r',
      'launch',
    ]);
  });
});
