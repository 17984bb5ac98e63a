import type { Request, Response } from 'express';
import type { AccessScope } from '../../storage/access-scope.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { OperationContext } from '../operation-context.ts';
import type { PortalInvitations } from '../operations/invite-operation.ts';

/**
 * What a request asks of the FHIR API, as the route table names it: the CapabilityStatement
 * interaction (`read`, `search-type`, `batch|transaction`…), `$<name>` for an operation, or
 * `unsupported` for a request no route serves; and the resource type in the path, if any. The
 * caller's access is decided with it (a caller without a token may do little: access/anonymous-access.ts).
 */
export interface AskedInteraction {
  interaction: string;
  resourceType?: string;
}

/**
 * What the FHIR REST handlers depend on, passed in explicitly (no module-level singletons): what the
 * operations get (`repo` is the caller's view of the data once the router has applied `accessFor`,
 * unscoped before), and how to find the caller's access from a request.
 */
export interface FhirContext extends OperationContext {
  /**
   * Who the caller is, as an AccessScope the repository applies inside every query
   * (server/access/access-policy.ts); undefined only when the server runs without authorization.
   * The router passes what the request asks; a request its caller may not make at all (without a
   * token: anything but the public directory) throws a FhirError (401).
   */
  accessFor?: (req: Request, res: Response, asked?: AskedInteraction) => Promise<AccessScope | undefined>;
  /**
   * Where Binary content is kept (`engine.blobs`) and the largest upload (BINARY_LIMIT_BYTES); without
   * it Binary writes and reads answer 500.
   */
  binary?: { blobs: BlobStore; limitBytes: number };
  /** The portal invitation workflow behind `$invite`/`$uninvite` (server/auth/invitations/); without it they answer 400 not-supported. */
  invitations?: PortalInvitations;
}
