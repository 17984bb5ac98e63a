import type { Config } from '../../config.ts';
import type { Repository } from '../../storage/repository.ts';
import type { ResourceValidator } from '../validation/validator.ts';

/** What the FHIR REST handlers depend on, passed in explicitly (no module-level singletons). */
export interface FhirContext {
  repo: Repository;
  validator: ResourceValidator;
  config: Pick<Config, 'fhirBaseUrl' | 'limits'>;
}
