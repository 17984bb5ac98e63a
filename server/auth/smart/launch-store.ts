import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../../storage/key-value-store.ts';

/**
 * EHR launch contexts. The practitioner console creates one when a user presses "launch app"; the
 * opaque `launch` value travels to the app in the launch URL and comes back on the authorization
 * request (`launch=…` with scope `launch`). It is consumed once, when the signed-in practitioner who
 * created it grants consent, and its patient (and encounter) then go into the tokens.
 */
export const LAUNCH_NAMESPACE = 'smart-launch';
/** Seconds a launch stays usable: long enough to sign in, short enough not to linger. */
export const LAUNCH_TTL_SECONDS = 10 * 60;

export interface LaunchInput {
  /** The Patient id (not a reference) the launch is about. */
  patient: string;
  encounter?: string;
  /** The account that launched the app; only it can use the launch. */
  practitionerAccountId: string;
  /** Whether the app should show its own patient banner (default false: the EHR shows one). */
  needPatientBanner?: boolean;
}

export interface LaunchContext extends LaunchInput {
  needPatientBanner: boolean;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export class LaunchStore {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  /** Stores a launch context and answers the opaque `launch` value to give to the app. */
  async createLaunch(input: LaunchInput): Promise<string> {
    if (typeof input?.patient !== 'string' || !ID.test(input.patient))
      throw new Error('createLaunch: patient must be a FHIR id');
    if (input.encounter !== undefined && (typeof input.encounter !== 'string' || !ID.test(input.encounter))) {
      throw new Error('createLaunch: encounter must be a FHIR id when given');
    }
    if (typeof input.practitionerAccountId !== 'string' || !input.practitionerAccountId) {
      throw new Error('createLaunch: practitionerAccountId is required');
    }
    const launch = randomBytes(24).toString('base64url');
    const context: LaunchContext = {
      patient: input.patient,
      practitionerAccountId: input.practitionerAccountId,
      needPatientBanner: input.needPatientBanner ?? false,
      ...(input.encounter ? { encounter: input.encounter } : {}),
    };
    await this.#store.upsert(LAUNCH_NAMESPACE, launch, { ...context }, LAUNCH_TTL_SECONDS);
    return launch;
  }

  /** The unexpired, unconsumed launch context, or undefined. */
  async find(launch: unknown): Promise<LaunchContext | undefined> {
    if (typeof launch !== 'string') return undefined;
    const record = await this.#store.find(LAUNCH_NAMESPACE, launch);
    if (!record || record.consumedAt !== undefined) return undefined;
    return record.payload as unknown as LaunchContext;
  }

  /** Marks the launch used; true only for the one caller that consumed it. */
  consume(launch: string): Promise<boolean> {
    return this.#store.consume(LAUNCH_NAMESPACE, launch);
  }
}
