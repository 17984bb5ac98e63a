import { FhirError } from '../../server/fhir/outcomes.ts';

/**
 * The HTTP status a repository call would answer with, for tests below the REST layer: 200 when it
 * resolves, the FhirError's status when it throws one; any other error is rethrown (a bug, not an answer).
 */
export async function statusOf(work: Promise<unknown>): Promise<number> {
  try {
    await work;
    return 200;
  } catch (err) {
    if (err instanceof FhirError) return err.status;
    throw err;
  }
}
