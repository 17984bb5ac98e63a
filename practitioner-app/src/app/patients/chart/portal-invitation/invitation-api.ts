import { HttpClient, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import { type Observable, map } from 'rxjs';
import { FHIR_BASE, FhirClient, resourcesOf } from '@web-shared/fhir';
import { INVITATION_CODE, type InvitationTask, PORTAL_TASKS_SYSTEM } from './invitation-model';

const FHIR_JSON = 'application/fhir+json';

/** The latest invitation of a patient, and `$invite` / `$uninvite` (operations FhirClient does not know). */
@Injectable({ providedIn: 'root' })
export class InvitationApi {
  private readonly fhir = inject(FhirClient);
  private readonly http = inject(HttpClient);

  latest(patientId: string): Observable<InvitationTask | undefined> {
    return this.fhir
      .search<InvitationTask>('Task', {
        subject: `Patient/${patientId}`,
        code: `${PORTAL_TASKS_SYSTEM}|${INVITATION_CODE}`,
        _sort: '-_lastUpdated',
        _count: 1,
      })
      .pipe(map((bundle) => resourcesOf(bundle, 'Task')[0]));
  }

  /** Sends the invitation (again: the previous link stops working); answers the new Task. */
  invite(patientId: string): Observable<InvitationTask> {
    return this.operation(patientId, '$invite');
  }

  /** Cancels the pending invitation; answers the cancelled Task. */
  revoke(patientId: string): Observable<InvitationTask> {
    return this.operation(patientId, '$uninvite');
  }

  private operation(patientId: string, name: string): Observable<InvitationTask> {
    const url = `${FHIR_BASE}/Patient/${encodeURIComponent(patientId)}/${name}`;
    return this.http.post<InvitationTask>(url, null, { headers: new HttpHeaders({ Accept: FHIR_JSON }) });
  }
}
