import type { Binary, DocumentReference } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../access/access-index.ts';
import { ORIGIN_SYSTEM, SHARING_SYSTEM } from '../access/record-sharing.ts';
import { storeBinary } from '../fhir/binary/binary-upload.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Repository } from '../storage/repository.ts';

/**
 * The demo's documents (issue #12: "the demo practice has notes, results and documents"): stored
 * the way uploads are (decision 0022: the bytes in the blob store, a Binary naming them, a
 * DocumentReference pointing at the Binary), so the chart's preview and download, the portal's
 * download and the inbox work on them as on real uploads.
 *
 * - a letter Harbourside wrote for the patient, shared with her (the portal lists it);
 * - a referral the patient sent the practice from the portal (origin patient: new in the inbox).
 *
 * The marks are set directly, as for the demo's notes: the seed is the server's own writing.
 */
export interface DemoDocumentsFor {
  practiceId: string;
  patientId: string;
  author: { reference: string; display: string };
}

/** The seed's files are a few hundred bytes; the configured upload limit is for callers. */
const SEED_LIMIT_BYTES = 64 * 1024;

/** Seeds the documents; returns how many resources were written. */
export async function seedDemoDocuments(repo: Repository, blobs: BlobStore, who: DemoDocumentsFor): Promise<number> {
  const owner = { system: OWNER_SYSTEM, code: who.practiceId };
  const fromPatient = { system: ORIGIN_SYSTEM, code: 'patient' };
  const withPatient = { system: SHARING_SYSTEM, code: 'patient' };
  const letter = await document(repo, blobs, who, {
    tags: [owner, withPatient],
    fileName: 'letter-dietetics-referral.txt',
    text: LETTER,
    type: { text: 'Letter' },
    description: 'Copy of the referral letter to the dietitian',
    date: '2026-11-03T09:00:00+11:00',
    author: who.author,
  });
  const referral = await document(repo, blobs, who, {
    tags: [owner, fromPatient],
    fileName: 'specialist-letter.txt',
    text: PATIENT_UPLOAD,
    type: { coding: [{ system: 'http://loinc.org', code: '57133-1', display: 'Referral note' }], text: 'Referral' },
    description: 'Letter from my cardiologist, for my file',
    date: '2026-11-20T18:30:00+11:00',
  });
  return letter + referral;
}

interface DemoDocument {
  tags: Array<{ system: string; code: string }>;
  fileName: string;
  text: string;
  type: DocumentReference['type'];
  description: string;
  date: string;
  author?: { reference: string; display: string };
}

/** Stores one document (a Binary and its DocumentReference): how many resources were written. */
async function document(repo: Repository, blobs: BlobStore, who: DemoDocumentsFor, doc: DemoDocument): Promise<number> {
  const bytes = new TextEncoder().encode(doc.text);
  const binary: Binary = {
    resourceType: 'Binary',
    contentType: 'text/plain',
    securityContext: { reference: `Patient/${who.patientId}` },
    meta: { tag: doc.tags },
  };
  const stored = await storeBinary(
    { repo, blobs, limitBytes: SEED_LIMIT_BYTES },
    { binary, content: oneChunk(bytes), declaredLength: bytes.length, fileName: doc.fileName },
  );
  await repo.create<DocumentReference>({
    resourceType: 'DocumentReference',
    meta: { tag: doc.tags },
    status: 'current',
    type: doc.type,
    subject: { reference: `Patient/${who.patientId}` },
    description: doc.description,
    date: doc.date,
    ...(doc.author ? { author: [doc.author] } : {}),
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          url: `Binary/${stored.resource.id}`,
          size: bytes.length,
          title: doc.fileName,
        },
      },
    ],
  });
  return 2;
}

async function* oneChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

const LETTER = `Harbourside Family Practice
12 Quay Street, Sydney NSW 2000

3 November 2026

Dear colleague,

Thank you for seeing Ms Olivia Smith (born 12 March 1984) for dietary advice. Her weight has been
steady over the last two months and she is keen to keep it so. No known allergies.

Kind regards,
Dr Amara Okafor
`;

const PATIENT_UPLOAD = `Northshore Heart Clinic

20 November 2026

To whom it may concern,

Ms Olivia Smith attended for a routine review. Her ECG and echocardiogram were normal. No follow-up
is needed unless symptoms develop.

Cardiology registrar
`;
