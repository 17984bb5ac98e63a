import { HttpClient, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { AuthService } from '@web-shared/auth';
import { type Bundle, FHIR_BASE, FhirClient, type Observation, type Organization, resourcesOf } from '@web-shared/fhir';
import { catchError, defer, forkJoin, map, type Observable, of, switchMap } from 'rxjs';
import { PROPOSAL_CODE } from './pending-reviews';
import type { Parameters, Person, PracticePatient, Task } from './profile-types';
import { type ObservationBatch, SOCIAL_HISTORY } from './social-history';
import {
  linkedPatientIds,
  type PracticeRecord,
  practiceIdOf,
  practiceRecordOf,
  updateParameters,
} from './update-profile';

export interface ProfileData {
  person: Person;
  records: PracticeRecord[];
}

const FHIR_JSON = 'application/fhir+json';

/** The profile page's requests: the account's Person, its practice records, the save and the extras. */
@Injectable({ providedIn: 'root' })
export class ProfileService {
  private readonly fhir = inject(FhirClient);
  private readonly http = inject(HttpClient);
  private readonly auth = inject(AuthService);
  private readonly writeHeaders = new HttpHeaders({ Accept: FHIR_JSON, 'Content-Type': FHIR_JSON });

  /** `Person/[id]` of the signed-in account; an error for any other kind of account. */
  personId(): string {
    const id = /^Person\/([^/]+)$/.exec(this.auth.fhirUser() ?? '')?.[1];
    if (!id) throw new Error('This page is for patients: your account has no profile of its own.');
    return id;
  }

  load(): Observable<ProfileData> {
    // defer: an account without a Person fails the load (shown as the page's error), not the caller.
    return defer(() => this.fhir.read<Person>('Person', this.personId())).pipe(
      switchMap((person) => this.records(linkedPatientIds(person)).pipe(map((records) => ({ person, records })))),
    );
  }

  /** The linked Patients (with their practices, `_include`d), each with its version and its practice's setting. */
  records(patientIds: string[]): Observable<PracticeRecord[]> {
    if (patientIds.length === 0) return of([]);
    return this.fhir
      .search<PracticePatient | Organization>('Patient', {
        _id: patientIds.join(','),
        _include: 'Patient:organization',
        _count: 100,
      })
      .pipe(
        switchMap((bundle) => {
          const patients = resourcesOf(bundle as Bundle<PracticePatient>, 'Patient');
          const organizations = new Map(
            resourcesOf(bundle as Bundle<Organization>, 'Organization').map((o) => [o.id ?? '', o]),
          );
          // A record whose practice is named only by the owner tag was not included: read it.
          const missing = [...new Set(patients.map(practiceIdOf))].filter(
            (id): id is string => !!id && !organizations.has(id),
          );
          const reads = missing.map((id) =>
            this.fhir.read<Organization>('Organization', id).pipe(catchError(() => of(undefined))),
          );
          return (reads.length > 0 ? forkJoin(reads) : of([])).pipe(
            map((extra) => {
              for (const o of extra) if (o?.id) organizations.set(o.id, o);
              return patients.map((p) => practiceRecordOf(p, organizations));
            }),
          );
        }),
      );
  }

  /** `$update-profile`: the Person with the loaded versions of each record. */
  save(profile: Person, records: PracticeRecord[]): Observable<Parameters> {
    return defer(() =>
      this.http.post<Parameters>(
        `${FHIR_BASE}/Person/${encodeURIComponent(this.personId())}/$update-profile`,
        updateParameters(profile, records),
        { headers: this.writeHeaders },
      ),
    );
  }

  /** The patient's social-history Observations, at every practice they can read. */
  socialHistory(): Observable<Observation[]> {
    return this.fhir
      .search<Observation>('Observation', { category: `${SOCIAL_HISTORY.system}|${SOCIAL_HISTORY.code}`, _count: 100 })
      .pipe(map((bundle) => resourcesOf(bundle, 'Observation')));
  }

  /** One batch of Observations; each entry answers on its own. */
  recordSocialHistory(batch: ObservationBatch): Observable<Bundle> {
    return this.http.post<Bundle>(FHIR_BASE, batch, { headers: this.writeHeaders });
  }

  proposals(): Observable<Task[]> {
    return this.fhir
      .search<Task>('Task', { code: PROPOSAL_CODE, _count: 100 })
      .pipe(map((bundle) => resourcesOf(bundle, 'Task')));
  }
}
