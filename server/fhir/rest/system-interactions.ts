import type { Request, Response } from 'express';
import type { Bundle } from '@medplum/fhirtypes';
import { processBundle } from '../bundle/bundle-processor.ts';
import type { FhirContext } from './fhir-context.ts';
import { sendJson } from './http.ts';
import { ofType } from '../input/resource-input.ts';
import { jsonResourceBody } from './request-input.ts';

/** `POST [base]` with a batch or transaction Bundle. */
export function batchOrTransaction(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    // Only the type here: the Bundle's shape is checked by processBundle, each entry's resource with its entry.
    const bundle = ofType(jsonResourceBody(req, ctx), 'Bundle') as Bundle;
    sendJson(res, 200, await processBundle(ctx, bundle));
  };
}
