import type { Request, Response } from 'express';
import type { Config } from '../../config.ts';
import type { AccessScope } from '../../storage/access-scope.ts';
import type { Repository } from '../../storage/repository.ts';
import type { ResourceValidator } from '../validation/validator.ts';

/** What the FHIR REST handlers depend on, passed in explicitly (no module-level singletons). */
export interface FhirContext {
  /** The caller's view of the data once the router has applied `accessFor` (unscoped before). */
  repo: Repository;
  /**
   * Who the caller is, as an AccessScope the repository applies inside every query
   * (server/auth/access-policy.ts); undefined only when the server runs without authorization.
   */
  accessFor?: (req: Request, res: Response) => Promise<AccessScope | undefined>;
  validator: ResourceValidator;
  config: Pick<Config, 'fhirBaseUrl' | 'limits'>;
}
