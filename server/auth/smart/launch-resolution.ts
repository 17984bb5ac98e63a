import type { GrantContext } from './grant-context.ts';
import type { InteractionState } from './interaction-state.ts';
import type { LaunchStore } from './launch-store.ts';
import { scopeTokens } from './scopes.ts';

/** Narrows the choices: by the start of a name (the picker's search box), or to one record (checking a choice). */
export interface PatientFilter {
  name?: string;
  id?: string;
}

/**
 * The patients an account may act for (its own record, family members' records, a practitioner's
 * practices' patients), with a display name; at most a page of them, narrowed by `filter`.
 */
export type PatientChoices = (
  accountId: string,
  filter?: PatientFilter,
) => Promise<Array<{ id: string; display: string }>>;

/** What the consent step needs to know about the launch context of an authorization request. */
export type LaunchResolution =
  | { kind: 'ready'; context: GrantContext; launch?: string; patientLine?: string }
  | { kind: 'pick'; choices: Array<{ id: string; display: string }> }
  | { kind: 'error'; title: string; message: string };

export interface ResolveInput {
  params: Record<string, unknown>;
  accountId: string;
  state: InteractionState;
  launches: LaunchStore;
  patientChoices: PatientChoices;
}

/**
 * EHR launch (`launch` parameter): the stored launch's patient and encounter, for the practitioner
 * who created it only. Standalone launch with `launch/patient`: the patient the user picked, or the
 * only one they may act for; none is an error. Otherwise: no patient context.
 */
export async function resolveLaunch(input: ResolveInput): Promise<LaunchResolution> {
  const launchValue = input.params.launch;
  if (typeof launchValue === 'string') return resolveEhrLaunch(launchValue, input);
  if (scopeTokens(input.params.scope as string | undefined).includes('launch/patient'))
    return resolveStandalonePatient(input);
  return { kind: 'ready', context: { needPatientBanner: false } };
}

async function resolveEhrLaunch(
  launchValue: string,
  { accountId, launches, patientChoices }: ResolveInput,
): Promise<LaunchResolution> {
  const launch = await launches.find(launchValue);
  if (!launch) {
    return {
      kind: 'error',
      title: 'This launch has ended',
      message: 'The launch has expired or was already used. Open the app again from the practice console.',
    };
  }
  if (launch.practitionerAccountId !== accountId) {
    return {
      kind: 'error',
      title: 'This launch is not yours',
      message:
        'The app was launched by another user. Sign in as that user, or open the app again from your own console.',
    };
  }
  const context: GrantContext = { patient: launch.patient, needPatientBanner: launch.needPatientBanner };
  if (launch.encounter) context.encounter = launch.encounter;
  // The consent page names the patient as the picker does; the bare id only if the record is not readable now.
  const named = (await patientChoices(accountId, { id: launch.patient })).find(
    (choice) => choice.id === launch.patient,
  );
  return {
    kind: 'ready',
    context,
    launch: launchValue,
    patientLine: `It will work on the record of ${named?.display ?? `patient ${launch.patient}`}.`,
  };
}

async function resolveStandalonePatient({ accountId, state, patientChoices }: ResolveInput): Promise<LaunchResolution> {
  // A choice made on the picker is checked again here, against the account's rights of now.
  const chosen = state.patient
    ? (await patientChoices(accountId, { id: state.patient })).find((choice) => choice.id === state.patient)
    : undefined;
  if (chosen)
    return {
      kind: 'ready',
      context: { patient: chosen.id, needPatientBanner: true },
      patientLine: `It will work on the record of ${chosen.display}.`,
    };
  const choices = await patientChoices(accountId);
  const picked = choices.length === 1 ? choices[0] : undefined;
  if (picked) {
    return {
      kind: 'ready',
      context: { patient: picked.id, needPatientBanner: true },
      patientLine: `It will work on the record of ${picked.display}.`,
    };
  }
  if (!choices.length) {
    return {
      kind: 'error',
      title: 'No patient record',
      message: 'There is no patient record you can open with this app.',
    };
  }
  return { kind: 'pick', choices };
}

/** The launch context the granted scopes allow: no patient without `launch` (EHR) or `launch/patient`. */
export function grantedContext(
  resolution: Extract<LaunchResolution, { kind: 'ready' }>,
  granted: ReadonlySet<string>,
): GrantContext {
  const { context, launch } = resolution;
  const patientGranted = launch
    ? granted.has('launch') || granted.has('launch/patient')
    : granted.has('launch/patient');
  if (!patientGranted || !context.patient) return { needPatientBanner: false };
  const out: GrantContext = { patient: context.patient, needPatientBanner: context.needPatientBanner };
  if (context.encounter && (granted.has('launch') || granted.has('launch/encounter')))
    out.encounter = context.encounter;
  return out;
}
