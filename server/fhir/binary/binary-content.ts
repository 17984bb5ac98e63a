import type { Binary, Extension, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../outcomes.ts';
import { isAllowedType } from './content-check.ts';

/**
 * Where a Binary's bytes are: one extension in `Binary.meta.extension` (a Binary is a Resource, not a
 * DomainResource: Meta is where it can carry one), set by the server only, naming the blob in
 * `engine.blobs` that holds them, with their size and SHA-256 and the file name given at upload
 * (decision 0022). A stored Binary never carries `data`: the bytes live once, in the blob store.
 *
 * A blob's id starts with `Binary/<id>/`: a Binary can only name blobs uploaded for it, so copying
 * another Binary's extension (through a JSON update, a PATCH, a Bundle) cannot reach that Binary's
 * bytes from a resource with other readers.
 */
export const CONTENT_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/binary-content';

export interface BinaryContent {
  blob: string;
  size: number;
  sha256: string;
  fileName?: string;
}

export function blobPrefix(binaryId: string): string {
  return `Binary/${binaryId}/`;
}

export function contentExtension(content: BinaryContent): Extension {
  const extension: Extension[] = [
    { url: 'blob', valueString: content.blob },
    { url: 'size', valueInteger: content.size },
    { url: 'sha256', valueString: content.sha256 },
  ];
  if (content.fileName) extension.push({ url: 'fileName', valueString: content.fileName });
  return { url: CONTENT_URL, extension };
}

function contentExtensions(binary: Binary): Extension[] {
  const extensions = binary.meta?.extension;
  return Array.isArray(extensions) ? extensions.filter((e) => e?.url === CONTENT_URL) : [];
}

/** `binary` with `content` as its only content extension and without `data`. */
export function withContent(binary: Binary, content: BinaryContent): Binary {
  const { data: _inline, ...rest } = binary;
  const others = (binary.meta?.extension ?? []).filter((e) => e.url !== CONTENT_URL);
  return { ...rest, meta: { ...binary.meta, extension: [...others, contentExtension(content)] } };
}

/** The content a Binary names (undefined when it has none or the extension is not a valid one of its own). */
export function contentOf(binary: Binary): BinaryContent | undefined {
  const found = contentExtensions(binary);
  if (found.length !== 1) return undefined;
  const part = (url: string) => found[0]?.extension?.find((e) => e.url === url);
  const blob = part('blob')?.valueString;
  const size = part('size')?.valueInteger;
  const sha256 = part('sha256')?.valueString;
  const fileName = part('fileName')?.valueString;
  if (typeof blob !== 'string' || !binary.id || !blob.startsWith(blobPrefix(binary.id))) return undefined;
  if (typeof size !== 'number' || typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  return { blob, size, sha256, ...(typeof fileName === 'string' ? { fileName } : {}) };
}

/**
 * What every stored Binary satisfies, checked on every write whatever path it takes (the
 * repository's validation step: REST, PATCH, Bundles): no inline `data` (content is uploaded to
 * /Binary, which puts it in the blob store), and a content extension, if any, that is one of its own
 * on an accepted type. Throws a FhirError (400).
 */
export function checkStoredBinary(resource: Resource): void {
  if (resource.resourceType !== 'Binary') return;
  const binary = resource as Binary;
  if (binary.data !== undefined)
    throw badRequest(
      'A Binary with data is stored by POST or PUT to /Binary (raw bytes, or FHIR JSON with data), not inside a Bundle or a PATCH',
      'Binary.data',
    );
  if (contentExtensions(binary).length === 0) return;
  if (!contentOf(binary))
    throw badRequest(
      `The ${CONTENT_URL} extension is set by the server when content is uploaded; it may only be kept as read`,
      'Binary.meta.extension',
    );
  const type = binary.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!isAllowedType(type))
    throw badRequest(
      `A Binary with uploaded content keeps an accepted contentType, not '${type}'`,
      'Binary.contentType',
    );
}
