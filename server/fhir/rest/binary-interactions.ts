import type { Request, Response } from 'express';
import type { Binary, Reference } from '@medplum/fhirtypes';
import { pipeline } from 'node:stream/promises';
import { downloadOf, withInlineData } from '../binary/binary-read.ts';
import { inlineData, storeBinary } from '../binary/binary-upload.ts';
import type { BinaryDeps } from '../binary/binary-upload.ts';
import { fileNameFromDisposition } from '../binary/file-name.ts';
import { badRequest, serverError } from '../outcomes.ts';
import { setActedOn } from './acted-on.ts';
import { BodyReader } from './body-reader.ts';
import type { FhirContext } from './fhir-context.ts';
import { notModified, sendJson, sendWritten, setVersionHeaders } from './http.ts';
import { idParam, jsonResourceBody, resourceBody } from './request-input.ts';

/**
 * Binary over REST (R4 http.html#binary, decision 0022). A create or update whose body is not FHIR
 * JSON carries the raw content, streamed into the blob store (the router does not buffer it:
 * `streamsBinaryBody`); a read whose Accept is not FHIR JSON answers the content itself, as an
 * attachment that no browser renders. FHIR JSON goes on working both ways, its `data` kept in the
 * blob store too. Every write and read goes through the caller's repository first.
 */

/** `/Binary` and `/Binary/[id]` (an id never starts with `_` or `$`: `_search`, `_history`, operations are other routes). */
const BINARY_TYPE = /^\/Binary\/?$/;
const BINARY_INSTANCE = /^\/Binary\/[A-Za-z0-9\-.]{1,64}\/?$/;
const BINARY_VERSION = /^\/Binary\/[A-Za-z0-9\-.]{1,64}\/_history\/[A-Za-z0-9\-.]{1,64}\/?$/;
const FHIR_TYPES = /^application\/(fhir\+)?json\s*(;|$)/i;

/** Whether the router must leave this request's body unread, for the Binary handlers to stream. */
export function streamsBinaryBody(req: Request): boolean {
  const path = req.method === 'POST' ? BINARY_TYPE : req.method === 'PUT' ? BINARY_INSTANCE : undefined;
  return !!path?.test(req.path) && !isFhirJsonBody(req);
}

function isFhirJsonBody(req: Request): boolean {
  return FHIR_TYPES.test(req.get('content-type') ?? '');
}

/** A read of a Binary's content (Accept other than FHIR JSON), which the router's negotiation lets through. */
export function readsBinaryContent(req: Request): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (BINARY_INSTANCE.test(req.path) || BINARY_VERSION.test(req.path)) &&
    !wantsFhir(req)
  );
}

/** FHIR JSON when `_format` or Accept asks for it (XML is not served: 406 through the usual negotiation). */
function wantsFhir(req: Request): boolean {
  if (typeof req.query._format === 'string') return true;
  return /application\/(fhir\+)?(json|xml)/i.test(req.get('accept') ?? '');
}

function deps(ctx: FhirContext): BinaryDeps {
  if (!ctx.binary) throw serverError();
  return { repo: ctx.repo, ...ctx.binary };
}

export function createBinary(ctx: FhirContext) {
  return (req: Request, res: Response): Promise<void> => writeBinary(ctx, req, res, undefined);
}

export function updateBinary(ctx: FhirContext) {
  return (req: Request, res: Response): Promise<void> => writeBinary(ctx, req, res, idParam(req));
}

async function writeBinary(ctx: FhirContext, req: Request, res: Response, id: string | undefined): Promise<void> {
  const body = streamsBinaryBody(req) ? new BodyReader(req) : undefined;
  try {
    const upload = body ? rawUpload(req, body, id) : jsonUpload(req, ctx, id);
    // A JSON update without data changes what the Binary says (its securityContext…), keeping its content.
    const result =
      'binary' in upload
        ? await storeBinary(deps(ctx), upload)
        : await ctx.repo.update(upload.keep, req.get('if-match') ? { ifMatch: req.get('if-match') } : {});
    setActedOn(res, result.resource);
    const location = `${ctx.config.fhirBaseUrl}/Binary/${result.resource.id}/_history/${result.resource.meta?.versionId}`;
    sendWritten(req, res, result.created ? 201 : 200, result.resource, result.created ? location : undefined);
  } catch (error) {
    // A refusal before the end of the body: the answer goes out now, the rest of the body is dropped
    // as it arrives (body-reader.ts).
    body?.discard(res, (ctx.binary?.limitBytes ?? 0) + 1024 * 1024);
    throw error;
  }
}

function rawUpload(req: Request, body: BodyReader, id: string | undefined) {
  const length = req.get('content-length');
  const binary: Binary = { resourceType: 'Binary', contentType: req.get('content-type') ?? '' };
  if (id) binary.id = id;
  const context = securityContext(req.get('x-security-context'));
  if (context) binary.securityContext = context;
  const fileName = fileNameFromDisposition(req.get('content-disposition'));
  return {
    binary,
    content: body.pieces(),
    ...(length && /^\d+$/.test(length) ? { declaredLength: Number(length) } : {}),
    ...(fileName ? { fileName } : {}),
    ...(req.get('if-match') ? { ifMatch: req.get('if-match') } : {}),
  };
}

function jsonUpload(req: Request, ctx: FhirContext, id: string | undefined) {
  const binary = resourceBody(req, ctx, 'Binary', jsonResourceBody(req, ctx)) as Binary;
  if (id !== undefined && binary.id !== id)
    throw badRequest(`Resource id '${binary.id ?? ''}' does not match '${id}' in the URL`, 'Binary.id');
  if (id === undefined) delete binary.id;
  if (binary.data === undefined && id !== undefined) return { keep: binary };
  if (binary.data === undefined)
    throw badRequest(
      'A Binary needs its content: send the bytes with their Content-Type, or base64 in data',
      'Binary.data',
    );
  const { data: _data, ...rest } = binary;
  return {
    binary: rest,
    content: inlineData(binary),
    ...(req.get('if-match') ? { ifMatch: req.get('if-match') } : {}),
  };
}

/** R4's `X-Security-Context` header: a relative reference to the resource whose access applies. */
function securityContext(header: string | undefined): Reference | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const reference = header.trim();
  if (!/^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/.test(reference))
    throw badRequest('X-Security-Context must be a relative reference such as Patient/123');
  return { reference };
}

export function readBinary(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const binary = await ctx.repo.read<Binary>('Binary', idParam(req));
    await answerBinary(ctx, req, res, binary, true);
  };
}

export function vreadBinary(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const binary = await ctx.repo.vread<Binary>('Binary', idParam(req), idParam(req, 'vid'));
    await answerBinary(ctx, req, res, binary, false);
  };
}

async function answerBinary(
  ctx: FhirContext,
  req: Request,
  res: Response,
  binary: Binary,
  conditional: boolean,
): Promise<void> {
  setActedOn(res, binary);
  setVersionHeaders(res, binary);
  if (conditional && notModified(req, binary)) {
    res.status(304).end();
    return;
  }
  const { blobs } = deps(ctx);
  if (!readsBinaryContent(req)) {
    sendJson(res, 200, await withInlineData(blobs, binary));
    return;
  }
  const download = await downloadOf(blobs, binary);
  res.status(200).set({
    'Content-Type': download.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : download.contentType,
    'Content-Length': String(download.size),
    'Content-Disposition': download.disposition,
    'X-Content-Type-Options': 'nosniff',
    // Opened anyway (a navigation, an <iframe>): no script, no plugin, no same-origin access.
    'Content-Security-Policy': "sandbox; default-src 'none'",
    'Repr-Digest': `sha-256=:${Buffer.from(download.sha256, 'hex').toString('base64')}:`,
  });
  try {
    await pipeline(download.body, res);
  } catch (error) {
    // The answer has started: the connection is cut (a short body), which the client sees.
    if (!res.headersSent) throw error;
    req.log?.error({ err: error }, 'Binary download failed');
  }
}

/** Routes whose handler depends on the resource type in the path: Binary's own, the generic one for every other type. */
export function forBinary(
  binary: (ctx: FhirContext) => (req: Request, res: Response) => Promise<void>,
  generic: (ctx: FhirContext) => (req: Request, res: Response) => Promise<void>,
) {
  return (ctx: FhirContext) => {
    const own = binary(ctx);
    const other = generic(ctx);
    return (req: Request, res: Response): Promise<void> =>
      req.params.type === 'Binary' ? own(req, res) : other(req, res);
  };
}
