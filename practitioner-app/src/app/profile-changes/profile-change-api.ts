import { HttpClient, HttpHeaders, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { map, type Observable } from 'rxjs';
import { type Bundle, FHIR_BASE, FhirClient, type Patient, resourcesOf } from '@web-shared/fhir';
import {
  PATIENT_UPDATE_MARK,
  PROPOSAL_CODE,
  PROPOSAL_SYSTEM,
  type ProposalTask,
  REVIEWED_MARK,
  withReviewedMark,
  type decideParameters,
} from './profile-change-model';

const FHIR_JSON = 'application/fhir+json';
/** Pending lists: the server's first page; a practice rarely has more waiting at once. */
export const PROFILE_CHANGES_PAGE = 50;
/** Versions read per record: enough to reach the version before a patient's writes in a row. */
export const HISTORY_COUNT = 20;

/** Pending proposals and the records they are for (`_include=Task:patient`), by id. */
export interface PendingProposals {
  tasks: ProposalTask[];
  patients: ReadonlyMap<string, Patient>;
}

/**
 * The requests of patients' changes (decision 0028): the records patients changed in `notify` mode
 * (the inbox mark, not reviewed), their history, the "Mark reviewed" PUT, the pending `patient-update`
 * Tasks of `review` mode and their `$decide`. Which practice's records appear is the server's rule.
 */
@Injectable({ providedIn: 'root' })
export class ProfileChangeApi {
  private readonly fhir = inject(FhirClient);
  private readonly http = inject(HttpClient);
  private readonly readHeaders = new HttpHeaders({ Accept: FHIR_JSON, 'Cache-Control': 'no-cache' });

  /** `Patient?_tag=inbox|patient-update&_tag:not=inbox|reviewed`, most recently changed first. */
  changedPatients(): Observable<Patient[]> {
    const params = new HttpParams()
      .append('_tag', `${PATIENT_UPDATE_MARK.system}|${PATIENT_UPDATE_MARK.code}`)
      .append('_tag:not', `${REVIEWED_MARK.system}|${REVIEWED_MARK.code}`)
      .append('_sort', '-_lastUpdated')
      .append('_count', PROFILE_CHANGES_PAGE);
    return this.http
      .get<Bundle<Patient>>(`${FHIR_BASE}/Patient`, { headers: this.readHeaders, params })
      .pipe(map((bundle) => resourcesOf(bundle, 'Patient')));
  }

  /** The record's versions, newest first. */
  history(patientId: string): Observable<Patient[]> {
    const params = new HttpParams().append('_count', HISTORY_COUNT);
    return this.http
      .get<Bundle<Patient>>(`${FHIR_BASE}/Patient/${encodeURIComponent(patientId)}/_history`, {
        headers: this.readHeaders,
        params,
      })
      .pipe(map((bundle) => resourcesOf(bundle, 'Patient')));
  }

  /** PUT of the record as read with `inbox|reviewed` added, If-Match on its version (412 when it changed). */
  markReviewed(patient: Patient & { id: string }): Observable<Patient> {
    return this.fhir.update(withReviewedMark(patient));
  }

  /** Pending proposals (status requested), of one patient or of every patient the practitioner reaches. */
  pendingProposals(patientId?: string): Observable<PendingProposals> {
    return this.fhir
      .search<ProposalTask | Patient>('Task', {
        code: `${PROPOSAL_SYSTEM}|${PROPOSAL_CODE}`,
        status: 'requested',
        subject: patientId ? `Patient/${patientId}` : undefined,
        _include: 'Task:patient',
        _sort: '-_lastUpdated',
        _count: PROFILE_CHANGES_PAGE,
      })
      .pipe(
        map((bundle) => {
          const resources = (bundle.entry ?? []).map((e) => e.resource);
          const tasks = resources.filter((r): r is ProposalTask => r?.resourceType === 'Task');
          const patients = new Map<string, Patient>();
          for (const r of resources) if (r?.resourceType === 'Patient' && r.id) patients.set(r.id, r as Patient);
          return { tasks, patients };
        }),
      );
  }

  /** `POST Task/{id}/$decide`: the decided Task (200), or 409 / 400 / 403 with an OperationOutcome. */
  decide(taskId: string, parameters: ReturnType<typeof decideParameters>): Observable<ProposalTask> {
    return this.http.post<ProposalTask>(`${FHIR_BASE}/Task/${encodeURIComponent(taskId)}/$decide`, parameters, {
      headers: new HttpHeaders({ Accept: FHIR_JSON, 'Content-Type': FHIR_JSON }),
    });
  }
}
