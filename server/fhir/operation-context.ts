import type { Config } from '../config.ts';
import type { AccessScope } from '../storage/access-scope.ts';
import type { Repository } from '../storage/repository.ts';
import type { ResourceValidator } from './validation/validator.ts';

/**
 * What FHIR semantics above the repository work with (the `$` operations, batch and transaction
 * Bundles): the caller's view of the data, the validator and configuration values. No HTTP: they
 * return a resource or throw a FhirError, and fhir/rest/ turns either into a response.
 */
export interface OperationContext {
  /** The repository seen through the caller's access scope. */
  repo: Repository;
  /** The caller's access scope (absent when the server runs without authorization). */
  scope?: AccessScope;
  validator: ResourceValidator;
  config: Pick<Config, 'fhirBaseUrl' | 'limits'>;
}
