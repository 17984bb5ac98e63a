import { TestBed } from '@angular/core/testing';
import { AUTH_CONFIG, FIRST_PARTY_SCOPE, provideAuth } from './auth-config';

describe('provideAuth', () => {
  it('fills in the first-party scope and no API bases by default', () => {
    TestBed.configureTestingModule({
      providers: [provideAuth({ clientId: 'patient-portal', productName: 'Patient Portal' })],
    });
    expect(TestBed.inject(AUTH_CONFIG)).toEqual({
      clientId: 'patient-portal',
      productName: 'Patient Portal',
      scope: FIRST_PARTY_SCOPE,
      apiBases: [],
    });
  });

  it('refuses API bases that would not match as meant', () => {
    for (const apiBase of ['api', '/api/', '/']) {
      expect(() => provideAuth({ clientId: 'c', productName: 'P', apiBases: [apiBase] }))
        .withContext(apiBase)
        .toThrowError(/API base/);
    }
    expect(() => provideAuth({ clientId: 'c', productName: 'P', apiBases: ['/api'] })).not.toThrow();
  });
});
