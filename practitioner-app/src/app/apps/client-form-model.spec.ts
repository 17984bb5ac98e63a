import { FormControl, FormGroup } from '@angular/forms';
import {
  type ClientFormValue,
  jwksRequiredValidator,
  jwksUriValidator,
  jwksValidator,
  lines,
  mayManageAccess,
  normalizeScope,
  launchUriValidator,
  MAX_REDIRECT_URIS,
  parseJwks,
  redirectUriProblem,
  redirectUrisValidator,
  scopeFitsKindValidator,
  scopeValidator,
  toRegistration,
} from './client-form-model';

const PUBLIC_KEY = {
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
  kid: 'k1',
};

describe('client form model', () => {
  const check = (validator: ReturnType<typeof redirectUrisValidator>, value: string) =>
    validator(new FormControl(value));

  it('accepts https redirect URIs and http only on localhost / 127.0.0.1', () => {
    expect(redirectUriProblem('https://app.example/callback')).toBeNull();
    expect(redirectUriProblem('https://app.example:8443/cb?x=1')).toBeNull();
    expect(redirectUriProblem('http://localhost:3000/cb')).toBeNull();
    expect(redirectUriProblem('http://127.0.0.1/cb')).toBeNull();
    expect(redirectUriProblem('http://app.example/cb')).toContain('https');
    expect(redirectUriProblem('http://localhost.evil.example/cb')).toContain('https');
    expect(redirectUriProblem('/callback')).toBe('is not an absolute URL');
    expect(redirectUriProblem('app.example/cb')).toBe('is not an absolute URL');
    expect(redirectUriProblem('javascript:alert(1)')).toContain('https');
    expect(redirectUriProblem('com.example.app:/cb')).toContain('https');
    expect(redirectUriProblem('https://app.example/cb#x')).toContain('fragment');
    expect(redirectUriProblem('https://user:pw@app.example/cb')).toContain('user name');
  });

  it('requires at least one redirect URI and names the first bad line', () => {
    const validator = redirectUrisValidator();
    expect(check(validator, '')).toEqual({ required: true });
    expect(check(validator, ' \n  \n')).toEqual({ required: true });
    expect(check(validator, 'https://a.example/cb\n  http://localhost/cb  \n')).toBeNull();
    expect(check(validator, 'https://a.example/cb\nhttp://b.example/cb\nnope')).toEqual({
      redirectUri: { uri: 'http://b.example/cb', problem: 'must use https (http only on localhost or 127.0.0.1)' },
    });
  });

  it('splits lines, trimming and dropping blanks and repeats', () => {
    expect(lines(' a \r\n\nb\na\n')).toEqual(['a', 'b']);
  });

  it('refuses more redirect URIs than the server takes', () => {
    const many = Array.from({ length: MAX_REDIRECT_URIS + 1 }, (_, i) => `https://a.example/cb${i}`);
    expect(check(redirectUrisValidator(), many.slice(1).join('\n'))).toBeNull();
    expect(check(redirectUrisValidator(), many.join('\n'))).toEqual({ tooManyRedirectUris: { max: 20 } });
  });

  it('allows an empty launch URI, else an absolute https URL (http only on localhost / 127.0.0.1)', () => {
    const validator = launchUriValidator();
    expect(check(validator, '')).toBeNull();
    expect(check(validator, 'https://app.example/launch')).toBeNull();
    expect(check(validator, 'http://localhost:9000/launch.html')).toBeNull();
    expect(check(validator, 'http://app.example/launch')).toEqual({
      launchUri: 'must use https (http only on localhost or 127.0.0.1)',
    });
    expect(check(validator, '/launch')).toEqual({ launchUri: 'is not an absolute URL' });
    expect(check(validator, 'javascript:alert(1)')).toEqual({
      launchUri: 'must use https (http only on localhost or 127.0.0.1)',
    });
  });

  it('allows system/ scopes for backend services only, and only those', () => {
    const scopeOf = (kind: string, scope: string) => {
      const group = new FormGroup({ kind: new FormControl(kind), scope: new FormControl(scope) });
      return scopeFitsKindValidator()(group.controls.scope);
    };
    expect(scopeOf('backend', 'system/*.rs system/Patient.r')).toBeNull();
    expect(scopeOf('backend', 'system/*.rs openid')).toEqual({ backendScope: 'openid' });
    expect(scopeOf('public', 'patient/*.rs launch openid')).toBeNull();
    expect(scopeOf('confidential-asymmetric', 'launch system/*.rs')).toEqual({ systemScope: 'system/*.rs' });
  });

  it('checks scope syntax and normalizes the spaces', () => {
    const validator = scopeValidator();
    expect(check(validator, 'patient/*.rs launch openid fhirUser offline_access')).toBeNull();
    expect(check(validator, 'system/*.rs')).toBeNull();
    expect(check(validator, 'a\\b')).toEqual({ scope: true });
    expect(check(validator, 'a "b"')).toEqual({ scope: true });
    expect(normalizeScope('  launch \t openid\n fhirUser ')).toBe('launch openid fhirUser');
  });

  it('accepts a JWKS of public keys only', () => {
    expect(parseJwks(JSON.stringify({ keys: [PUBLIC_KEY] }))).toEqual({ keys: [PUBLIC_KEY] });
    expect(parseJwks('{')).toBe('is not valid JSON');
    expect(parseJwks('[]')).toContain('JSON object');
    expect(parseJwks('{"keys": []}')).toContain('non-empty');
    expect(parseJwks('{"keys": [{"kid": "x"}]}')).toContain('kty');
    expect(parseJwks(JSON.stringify({ keys: [{ ...PUBLIC_KEY, d: 'secret' }] }))).toContain(
      'private key material ("d")',
    );
    expect(parseJwks(JSON.stringify({ keys: [{ kty: 'oct', k: 'secret' }] }))).toContain('("k")');
    expect(check(jwksValidator(), '')).toBeNull();
    expect(check(jwksValidator(), '{"keys": []}')).toEqual({ jwks: 'must have a non-empty "keys" array' });
    expect(check(jwksUriValidator(), 'https://app.example/jwks.json')).toBeNull();
    expect(check(jwksUriValidator(), 'http://app.example/jwks.json')).toEqual({ jwksUri: true });
  });

  it('needs one of JWKS URL and JWKS, not both, for private key JWT clients and backend services only', () => {
    const group = (kind: string, jwksUri: string, jwks: string) =>
      jwksRequiredValidator()(
        new FormGroup({ kind: new FormControl(kind), jwksUri: new FormControl(jwksUri), jwks: new FormControl(jwks) }),
      );
    expect(group('public', '', '')).toBeNull();
    expect(group('confidential-symmetric', '', '')).toBeNull();
    expect(group('confidential-asymmetric', '', '')).toEqual({ jwksRequired: true });
    expect(group('backend', ' ', '')).toEqual({ jwksRequired: true });
    expect(group('backend', 'https://a.example/jwks', '')).toBeNull();
    expect(group('confidential-asymmetric', '', '{"keys":[]}')).toBeNull();
    expect(group('backend', 'https://a.example/jwks', '{"keys":[]}')).toEqual({ jwksBoth: true });
  });

  describe('toRegistration', () => {
    const value = (overrides: Partial<ClientFormValue>): ClientFormValue => ({
      name: ' Growth charts ',
      kind: 'public',
      redirectUris: 'https://growth.example/cb\n\nhttps://growth.example/cb2\n',
      launchUri: '',
      scope: ' launch  openid ',
      jwksUri: '',
      jwks: '',
      managesAccess: false,
      ...overrides,
    });

    it('sends a public client’s redirect URIs, and its launch URI only when given', () => {
      expect(toRegistration(value({}))).toEqual({
        name: 'Growth charts',
        kind: 'public',
        scope: 'launch openid',
        redirectUris: ['https://growth.example/cb', 'https://growth.example/cb2'],
      });
      expect(toRegistration(value({ launchUri: ' https://growth.example/launch ' })).launchUri).toBe(
        'https://growth.example/launch',
      );
    });

    it('sends a backend service’s keys and no redirect or launch URIs', () => {
      expect(
        toRegistration(
          value({
            kind: 'backend',
            launchUri: 'https://x.example',
            jwks: JSON.stringify({ keys: [PUBLIC_KEY] }),
            scope: 'system/*.rs',
          }),
        ),
      ).toEqual({
        name: 'Growth charts',
        kind: 'backend',
        scope: 'system/*.rs',
        jwks: { keys: [PUBLIC_KEY] },
      });
      expect(
        toRegistration(value({ kind: 'confidential-asymmetric', jwksUri: 'https://growth.example/jwks' })),
      ).toEqual({
        name: 'Growth charts',
        kind: 'confidential-asymmetric',
        scope: 'launch openid',
        redirectUris: ['https://growth.example/cb', 'https://growth.example/cb2'],
        jwksUri: 'https://growth.example/jwks',
      });
    });

    it('sends managesAccess: true for a backend service with the box ticked, and nothing without it', () => {
      const backend = {
        kind: 'backend' as const,
        jwksUri: 'https://sync.example/jwks',
        scope: 'system/PractitionerRole.cruds system/RelatedPerson.cruds',
      };
      expect(toRegistration(value({ ...backend, managesAccess: true }))).toEqual({
        name: 'Growth charts',
        kind: 'backend',
        scope: 'system/PractitionerRole.cruds system/RelatedPerson.cruds',
        jwksUri: 'https://sync.example/jwks',
        managesAccess: true,
      });
      const unticked = toRegistration(value({ ...backend, managesAccess: false }));
      expect('managesAccess' in unticked)
        .withContext('no managesAccess: false either')
        .toBeFalse();
    });

    it('ignores a ticked box for every kind but a backend service', () => {
      for (const kind of ['public', 'confidential-symmetric', 'confidential-asymmetric'] as const) {
        const registration = toRegistration(
          value({ kind, jwksUri: 'https://growth.example/jwks', managesAccess: true }),
        );
        expect('managesAccess' in registration)
          .withContext(kind)
          .toBeFalse();
        expect(mayManageAccess(kind)).withContext(kind).toBeFalse();
      }
      expect(mayManageAccess('backend')).toBeTrue();
    });

    it('sends no keys for a client secret client', () => {
      const registration = toRegistration(
        value({ kind: 'confidential-symmetric', jwksUri: 'https://growth.example/jwks' }),
      );
      expect(registration.jwksUri).toBeUndefined();
      expect(registration.jwks).toBeUndefined();
    });
  });
});
