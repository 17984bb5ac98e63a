import { inject, Injectable } from '@angular/core';
import { map, type Observable, of, switchMap } from 'rxjs';
import {
  type CareTeam,
  FhirClient,
  type Patient,
  PATIENT_CHOSEN,
  type Practitioner,
  resourcesOf,
} from '@web-shared/fhir';

/**
 * "My practitioners" (decision 0030): the patient's own list, one CareTeam per account marked
 * patient-chosen, whose subject is one of their Patient records (the first the server answers when
 * the list is made). Members are `Practitioner/<id>` references. The server lets only the patient
 * (or their family) write it, and the practice of its record read it.
 */
@Injectable({ providedIn: 'root' })
export class CareTeamService {
  private readonly fhir = inject(FhirClient);

  /** The patient's list, or undefined when they have none yet. */
  mine(): Observable<CareTeam | undefined> {
    return this.fhir
      .search<CareTeam>('CareTeam', { category: `${PATIENT_CHOSEN.system}|${PATIENT_CHOSEN.code}`, _count: 10 })
      .pipe(map((bundle) => resourcesOf(bundle, 'CareTeam')[0]));
  }

  /** The practitioners on the list, as the server lets the patient see them. */
  members(): Observable<{ team: CareTeam | undefined; practitioners: Practitioner[] }> {
    return this.mine().pipe(
      switchMap((team) => {
        const ids = memberIds(team);
        if (!team || ids.length === 0) return of({ team, practitioners: [] as Practitioner[] });
        return this.fhir
          .search<Practitioner>('Practitioner', { _id: ids.join(','), _count: ids.length })
          .pipe(map((bundle) => ({ team, practitioners: resourcesOf(bundle, 'Practitioner') })));
      }),
    );
  }

  /** Adds the practitioner, making the list on the first add. */
  add(practitionerId: string): Observable<CareTeam> {
    return this.mine().pipe(
      switchMap((team) => {
        if (team?.id) {
          if (memberIds(team).includes(practitionerId)) return of(team);
          const participant = [
            ...(team.participant ?? []),
            { member: { reference: `Practitioner/${practitionerId}` } },
          ];
          return this.fhir.update({ ...team, id: team.id, participant });
        }
        return this.firstPatient().pipe(
          switchMap((patient) =>
            this.fhir.create<CareTeam>({
              resourceType: 'CareTeam',
              status: 'active',
              name: 'My practitioners',
              category: [{ coding: [{ ...PATIENT_CHOSEN, display: 'Chosen by the patient' }] }],
              subject: { reference: `Patient/${patient.id}` },
              participant: [{ member: { reference: `Practitioner/${practitionerId}` } }],
            } as CareTeam),
          ),
        );
      }),
    );
  }

  remove(practitionerId: string): Observable<CareTeam | undefined> {
    return this.mine().pipe(
      switchMap((team) => {
        if (!team?.id || !memberIds(team).includes(practitionerId)) return of(team);
        const participant = (team.participant ?? []).filter(
          (p) => p.member?.reference !== `Practitioner/${practitionerId}`,
        );
        return this.fhir.update({ ...team, id: team.id, participant });
      }),
    );
  }

  private firstPatient(): Observable<Patient & { id: string }> {
    return this.fhir.search<Patient>('Patient', { _count: 1 }).pipe(
      map((bundle) => {
        const patient = resourcesOf(bundle, 'Patient')[0];
        if (!patient?.id)
          throw new Error('Your account is not linked to a patient record yet, so there is no list to add to.');
        return patient as Patient & { id: string };
      }),
    );
  }
}

/** The Practitioner ids on the list. */
export function memberIds(team: CareTeam | undefined): string[] {
  return (team?.participant ?? []).flatMap((p) => {
    const match = /^Practitioner\/([A-Za-z0-9\-.]{1,64})$/.exec(p.member?.reference ?? '');
    return match ? [match[1] as string] : [];
  });
}
