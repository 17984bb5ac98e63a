import type { Binary, DocumentReference, Parameters, Resource } from '@medplum/fhirtypes';
import { badRequest, forbidden } from '../outcomes.ts';
import type { OperationContext } from '../operation-context.ts';
import type { SharingChange } from '../../storage/access-scope.ts';
import type { Repository } from '../../storage/repository.ts';

/**
 * `POST [type]/[id]/$share` and `$unshare` (docs/decisions/0023-record-sharing.md): mark a clinical
 * item shared with the patient, or a note shared with colleagues, or take the mark away. The caller's
 * access scope decides whether they may (staff of the owning practice; only the author for a note;
 * colleagues only where the practice enables note sharing). In one transaction: the item's new
 * version with the mark changed, the same for the Binaries a DocumentReference's attachments point
 * to (the content follows its document), and a Provenance recording who, when and what. Asking for
 * the state the item is already in changes nothing and records nothing. Answers the item.
 *
 * The audience: `audience` in a Parameters body (valueCode), or `?audience=` (`patient` by default).
 */
export interface ShareRequest {
  type: string;
  id: string;
  shared: boolean;
  /** A Parameters body, if any (checked for depth and keys only). */
  body?: Resource;
  /** `?audience=` */
  audienceQuery?: string;
  onRead?: (resource: Resource) => void;
}

export async function shareOperation(ctx: OperationContext, request: ShareRequest): Promise<Resource> {
  const audience = audienceOf(request);
  const current = await ctx.repo.read(request.type, request.id);
  request.onRead?.(current);
  const change = ctx.scope?.sharingChange?.(current, audience, request.shared);
  if (!change) throw forbidden('Sharing needs a signed-in member of the practice');
  if (change.isDone(current)) return current;
  return ctx.repo.withScope(change.scope).transaction(async (tx) => {
    const written = (await tx.update(current)).resource;
    if (audience === 'patient') await markContent(tx, written, change);
    await tx.create(change.record(written));
    return written;
  });
}

/**
 * The Binaries a DocumentReference's attachments point to (`Binary/[id]`), marked like it when they
 * are about the same patient (their securityContext is the document's subject).
 */
async function markContent(tx: Repository, document: Resource, change: SharingChange): Promise<void> {
  if (document.resourceType !== 'DocumentReference') return;
  const ids = new Set<string>();
  for (const content of (document as DocumentReference).content ?? []) {
    const match = /^Binary\/([A-Za-z0-9\-.]{1,64})$/.exec(content.attachment?.url ?? '');
    if (match?.[1]) ids.add(match[1]);
  }
  const subject = (document as DocumentReference).subject?.reference;
  for (const id of ids) {
    const binary = (await tx.read('Binary', id)) as Binary;
    // Only the document's own content: a Binary about someone else keeps its own marks.
    if (!subject || binary.securityContext?.reference !== subject) continue;
    if (!change.isDone(binary)) await tx.update(binary);
  }
}

function audienceOf({ body, audienceQuery }: ShareRequest): string {
  if (body === undefined) return audienceQuery ?? 'patient';
  if (body.resourceType !== 'Parameters') throw badRequest('The body of $share/$unshare is a Parameters resource');
  const parameters: unknown = (body as Parameters).parameter;
  const found = Array.isArray(parameters)
    ? (parameters as unknown[]).find((p) => isObject(p) && p.name === 'audience')
    : undefined;
  const code: unknown = isObject(found) ? found.valueCode : undefined;
  if (code === undefined) return audienceQuery ?? 'patient';
  if (typeof code !== 'string') throw badRequest('audience is a code', 'Parameters.parameter.valueCode');
  return code;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
