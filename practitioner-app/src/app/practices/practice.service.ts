import { computed, inject, Injectable, signal } from '@angular/core';
import { EMPTY, expand, map, type Observable, of, reduce, shareReplay, tap } from 'rxjs';
import { AuthService } from '@web-shared/auth';
import { type Bundle, errorMessages, FhirClient, type Organization, type PractitionerRole } from '@web-shared/fhir';

/** The code system of a practitioner's role in a practice (PractitionerRole.code). */
export const PRACTICE_ROLE_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/practice-role';
/** PractitionerRole.code of a practice administrator: manages the practice's registered apps. */
export const PRACTICE_ADMIN_CODE = 'admin';

/** A practice the signed-in practitioner belongs to. */
export interface Practice {
  /** The Organization id. */
  id: string;
  name: string;
  /** True when one of the practitioner's active roles in it is "admin". */
  admin: boolean;
}

type Status = 'idle' | 'loading' | 'loaded' | 'error';

interface State {
  /** The fhirUser the state belongs to: a different user (after signing in again) reloads. */
  user: string | null;
  status: Status;
  practices: Practice[];
  errors: string[];
}

const IDLE: State = { user: null, status: 'idle', practices: [], errors: [] };

/**
 * The signed-in practitioner's practices, from their PractitionerRoles
 * (`GET /fhir/R4/PractitionerRole?practitioner=<id>&_include=PractitionerRole:organization`): the
 * included Organizations are the practices; a role coded `practice-role|admin` makes the practitioner
 * an administrator of that practice. Read once per signed-in user and shared by the toolbar, the
 * "Launch app" menus and the administrators' pages (through AdminPracticeChoice). Admin status here
 * only decides what the UI offers; the server decides what is allowed (and answers 403 otherwise).
 */
@Injectable({ providedIn: 'root' })
export class PracticeService {
  private readonly auth = inject(AuthService);
  private readonly fhir = inject(FhirClient);
  private readonly state = signal<State>(IDLE);

  /** The state of the current user's practices (another user's are never shown). */
  private readonly current = computed(() => {
    const state = this.state();
    return state.user !== null && state.user === this.auth.fhirUser() ? state : IDLE;
  });
  readonly status = computed(() => this.current().status);
  readonly errors = computed(() => this.current().errors);
  readonly practices = computed(() => this.current().practices);
  /** The practices the practitioner administers: the toolbar shows "Connected apps" when there is one. */
  readonly adminPractices = computed(() => this.practices().filter((p) => p.admin));

  /** The Practitioner id of the signed-in user, or null if the user is not a Practitioner. */
  readonly practitionerId = computed(() => practitionerIdOf(this.auth.fhirUser()));

  private request?: { user: string; practices: Observable<Practice[]> };

  /**
   * Reads the practices unless they are loaded or loading for the signed-in user; `force` reads them
   * again (after an error, "Try again").
   */
  load(force = false): void {
    this.loaded(force).subscribe({ error: () => undefined });
  }

  /**
   * The signed-in practitioner's practices once read (reading them if need be): emits once and
   * completes, or fails with the HTTP error. Concurrent and later callers share one request.
   */
  loaded(force = false): Observable<Practice[]> {
    const user = this.auth.fhirUser();
    const practitioner = practitionerIdOf(user);
    if (user === null || practitioner === null) {
      this.request = undefined;
      this.state.set({ ...IDLE, user, status: user === null ? 'idle' : 'loaded' });
      return of([]);
    }
    const reuse = this.request?.user === user && !force && this.state().status !== 'error';
    if (reuse) return this.request!.practices;

    this.state.set({ user, status: 'loading', practices: [], errors: [] });
    const practices = this.fhir
      .search<PractitionerRole | Organization>('PractitionerRole', {
        practitioner,
        _include: 'PractitionerRole:organization',
      })
      .pipe(
        // A practitioner with more roles than a page holds: follow the Bundle's next links.
        expand((bundle) => {
          const next = bundle.link?.find((l) => l.relation === 'next')?.url;
          return next ? this.fhir.page<PractitionerRole | Organization>(next) : EMPTY;
        }),
        reduce((all, bundle) => [...all, bundle], [] as Bundle<PractitionerRole | Organization>[]),
        map(practicesOf),
        tap({
          next: (list) => {
            if (this.request?.practices === practices)
              this.state.set({ user, status: 'loaded', practices: list, errors: [] });
          },
          error: (error: unknown) => {
            if (this.request?.practices === practices)
              this.state.set({ user, status: 'error', practices: [], errors: errorMessages(error) });
          },
        }),
        shareReplay({ bufferSize: 1, refCount: false }),
      );
    this.request = { user, practices };
    return practices;
  }
}

/** `Practitioner/123` → `123`; null for anything else (a patient, nobody). */
export function practitionerIdOf(fhirUser: string | null): string | null {
  const match = /^Practitioner\/([A-Za-z0-9\-.]{1,64})$/.exec(fhirUser ?? '');
  return match ? match[1]! : null;
}

/**
 * The practices in PractitionerRole search results: one per Organization the practitioner has an
 * active role in, named from the included Organization (its id when it was not included), admin when
 * any of those roles is coded admin. Sorted by name.
 */
export function practicesOf(bundles: Bundle<PractitionerRole | Organization>[]): Practice[] {
  const resources = bundles.flatMap((b) => b.entry ?? []).map((e) => e.resource);
  const names = new Map<string, string>();
  for (const resource of resources) {
    if (resource?.resourceType === 'Organization' && resource.id && resource.name)
      names.set(resource.id, resource.name);
  }
  const practices = new Map<string, Practice>();
  for (const role of resources) {
    if (role?.resourceType !== 'PractitionerRole' || role.active === false) continue;
    const id = organizationIdOf(role.organization?.reference);
    if (!id) continue;
    const practice = practices.get(id) ?? {
      id,
      name: names.get(id) ?? role.organization?.display ?? `Organization/${id}`,
      admin: false,
    };
    practice.admin ||= isAdminRole(role);
    practices.set(id, practice);
  }
  return [...practices.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function isAdminRole(role: PractitionerRole): boolean {
  return (role.code ?? []).some((concept) =>
    (concept.coding ?? []).some((c) => c.system === PRACTICE_ROLE_SYSTEM && c.code === PRACTICE_ADMIN_CODE),
  );
}

/** `Organization/o1` or `https://host/fhir/R4/Organization/o1` → `o1`. */
function organizationIdOf(reference: string | undefined): string | null {
  const match = /(?:^|\/)Organization\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference ?? '');
  return match ? match[1]! : null;
}
