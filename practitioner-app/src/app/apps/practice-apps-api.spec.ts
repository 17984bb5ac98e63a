import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { AppWindow, launchUrl, PracticeAppsApi } from './practice-apps-api';

describe('PracticeAppsApi', () => {
  let http: HttpTestingController;
  let api: PracticeAppsApi;

  beforeEach(() => {
    http = configureHttpTesting();
    api = TestBed.inject(PracticeAppsApi);
  });

  afterEach(() => http.verify());

  it('uses the contract’s URLs and methods, encoding the ids', () => {
    api.launchableApps('o/1').subscribe();
    api.clients('o1').subscribe();
    api
      .registerClient('o1', { name: 'A', kind: 'backend', scope: 'system/*.rs', jwksUri: 'https://a.example/jwks' })
      .subscribe();
    api.deleteClient('o1', 'client id/1').subscribe();
    api.createLaunch({ patient: 'p1' }).subscribe();

    const apps = http.expectOne('/api/practices/o%2F1/apps');
    expect(apps.request.method).toBe('GET');
    expect(apps.request.headers.get('Accept')).toBe('application/json');
    expect(http.expectOne({ method: 'GET', url: '/api/practices/o1/clients' }).request.method).toBe('GET');
    const register = http.expectOne({ method: 'POST', url: '/api/practices/o1/clients' });
    expect(register.request.body).toEqual({
      name: 'A',
      kind: 'backend',
      scope: 'system/*.rs',
      jwksUri: 'https://a.example/jwks',
    });
    expect(http.expectOne('/api/practices/o1/clients/client%20id%2F1').request.method).toBe('DELETE');
    const launch = http.expectOne('/api/ehr-launch');
    expect(launch.request.method).toBe('POST');
    expect(launch.request.body).toEqual({ patient: 'p1' });
    for (const req of [apps, register, launch]) req.flush({});
  });

  it('posts managesAccess as given, for a backend service that manages access', () => {
    const registration = {
      name: 'Roster sync',
      kind: 'backend' as const,
      scope: 'system/PractitionerRole.cruds',
      jwksUri: 'https://sync.example/jwks',
      managesAccess: true,
    };
    api.registerClient('o1', registration).subscribe();
    const register = http.expectOne({ method: 'POST', url: '/api/practices/o1/clients' });
    expect(register.request.body).toEqual(registration);
    register.flush({ clientId: 'c-sync' });
  });
});

describe('launchUrl', () => {
  const context = { iss: 'https://ehr.example/fhir/R4', launch: 'a b&c=d' };
  const query = 'iss=https%3A%2F%2Fehr.example%2Ffhir%2FR4&launch=a%20b%26c%3Dd';

  it('adds iss and launch, encoded with encodeURIComponent', () => {
    expect(launchUrl('https://app.example/launch', context)).toBe(`https://app.example/launch?${query}`);
    expect(launchUrl('https://app.example/launch?tenant=7', context)).toBe(
      `https://app.example/launch?tenant=7&${query}`,
    );
    expect(launchUrl('https://app.example/launch?', context)).toBe(`https://app.example/launch?${query}`);
    expect(launchUrl('https://app.example/#/launch', context)).toBe(`https://app.example/?${query}#/launch`);
    expect(launchUrl('http://localhost:9000/launch.html', context)).toBe(`http://localhost:9000/launch.html?${query}`);
  });

  it('refuses launch URIs that are not http(s)', () => {
    expect(() => launchUrl('javascript:alert(1)', context)).toThrowError(/not an http/);
    expect(() => launchUrl('/relative', context)).toThrowError(/not an http/);
    expect(() => launchUrl('data:text/html,x', context)).toThrowError(/not an http/);
  });
});

describe('AppWindow', () => {
  it('opens the URL in a new browsing context without opener (and without referrer)', () => {
    const open = spyOn(window, 'open').and.returnValue(null);
    TestBed.inject(AppWindow).openInNewTab('https://app.example/launch?iss=x&launch=y');
    expect(open).toHaveBeenCalledOnceWith('https://app.example/launch?iss=x&launch=y', '_blank', 'noopener,noreferrer');
  });
});
