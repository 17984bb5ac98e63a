import type { DocumentReference } from '@web-shared/fhir';
import { INBOX_SYSTEM, ORIGIN_SYSTEM, OWNER_SYSTEM } from '../patients/chart/chart-types';
import { binaryPath, fromPatient, isReviewed, previewKind, subjectPatientId, withReviewed } from './document-model';

describe('document-model', () => {
  const doc: DocumentReference = {
    resourceType: 'DocumentReference',
    id: 'd1',
    meta: {
      versionId: '2',
      tag: [
        { system: OWNER_SYSTEM, code: 'org-1' },
        { system: ORIGIN_SYSTEM, code: 'patient' },
      ],
    },
    subject: { reference: 'Patient/p-1' },
  };

  it('reads the origin and inbox marks', () => {
    expect(fromPatient(doc)).toBeTrue();
    expect(isReviewed(doc)).toBeFalse();
    expect(isReviewed(withReviewed(doc, true))).toBeTrue();
    expect(fromPatient({ ...doc, meta: {} })).toBeFalse();
  });

  it('adds the reviewed tag once and removes only it, keeping the other tags and the versionId', () => {
    const reviewed = withReviewed(withReviewed(doc, true), true);
    expect(reviewed.meta?.tag).toEqual([...doc.meta!.tag!, { system: INBOX_SYSTEM, code: 'reviewed' }]);
    expect(reviewed.meta?.versionId).toBe('2');
    expect(withReviewed(reviewed, false).meta?.tag).toEqual(doc.meta!.tag!);
  });

  it('fetches content only from this origin’s Binary endpoint', () => {
    expect(binaryPath('Binary/b1')).toBe('/fhir/R4/Binary/b1');
    expect(binaryPath('/fhir/R4/Binary/b1')).toBe('/fhir/R4/Binary/b1');
    expect(binaryPath('https://portal.example/fhir/R4/Binary/b1/_history/3')).toBe('/fhir/R4/Binary/b1/_history/3');
    expect(binaryPath('https://evil.example/steal?x=Binary/../b1')).toBeUndefined();
    expect(binaryPath('javascript:alert(1)')).toBeUndefined();
    expect(binaryPath(undefined)).toBeUndefined();
  });

  it('previews only JPEG, PNG and PDF', () => {
    expect(previewKind({ contentType: 'image/jpeg' })).toBe('image');
    expect(previewKind({ contentType: 'IMAGE/PNG' })).toBe('image');
    expect(previewKind({ contentType: 'application/pdf; name=x' })).toBe('pdf');
    for (const contentType of ['image/svg+xml', 'text/html', 'image/heic', 'text/plain', undefined])
      expect(previewKind({ contentType })).withContext(String(contentType)).toBeUndefined();
  });

  it('reads the subject patient id', () => {
    expect(subjectPatientId(doc)).toBe('p-1');
    expect(subjectPatientId({ ...doc, subject: { reference: 'Group/g' } })).toBeUndefined();
  });
});
