import type { Bundle, Observation } from '@web-shared/fhir';
import {
  batchOutcomes,
  EMPTY_SOCIAL_HISTORY,
  latestValues,
  observationsOf,
  receivingRecords,
  socialHistoryBatch,
} from './social-history';
import type { PracticeRecord } from './update-profile';

const obs = (loinc: string, when: string, value: Partial<Observation>): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: loinc }] },
  effectiveDateTime: when,
  ...value,
});
const record = (patientId: string, mode: PracticeRecord['mode'], practiceName = patientId): PracticeRecord => ({
  patientId,
  version: '1',
  organizationId: 'o-' + patientId,
  practiceName,
  mode,
});

describe('social history', () => {
  it('shows the newest value of each item, in words', () => {
    const values = latestValues([
      obs('72166-2', '2025-01-01', {
        valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '449868002' }] },
      }),
      obs('72166-2', '2026-03-01', {
        valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '8517006' }] },
      }),
      obs('74013-4', '2026-02-01', { valueQuantity: { value: 2, code: '{drinks}/d', unit: 'drinks per day' } }),
      obs('11341-5', '2026-02-01', { valueString: '<b>Nurse</b>' }),
      obs('71802-3', '2026-02-01', { status: 'entered-in-error', valueCodeableConcept: { text: 'wrong' } }),
      obs('8302-2', '2026-02-01', { valueQuantity: { value: 180 } }),
    ]);
    expect(values.map((v) => [v.item, v.text])).toEqual([
      ['smoking', 'I used to smoke'],
      ['alcohol', '2 drinks per day'],
      ['occupation', '<b>Nurse</b>'],
    ]);
    expect(values[0]?.date).toBe('2026-03-01');
  });

  it('builds one final social-history Observation per filled-in item', () => {
    const list = observationsOf(
      { smoking: '266919005', alcohol: 0, occupation: ' Teacher ', living: 'I live alone' },
      '2026-12-03T10:00:00Z',
    );
    expect(list.map((o) => o.code?.coding?.[0]?.code)).toEqual(['72166-2', '74013-4', '11341-5', '71802-3']);
    for (const o of list) {
      expect(o.status).toBe('final');
      expect((o as { category?: unknown }).category).toEqual([
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: 'social-history',
              display: 'Social History',
            },
          ],
        },
      ]);
      expect(o.effectiveDateTime).toBe('2026-12-03T10:00:00Z');
    }
    expect(list[0]?.valueCodeableConcept?.coding).toEqual([{ system: 'http://snomed.info/sct', code: '266919005' }]);
    expect(list[1]?.valueQuantity?.value).toBe(0);
    expect(list[2]?.valueString).toBe('Teacher');
    expect(list[3]?.valueCodeableConcept).toEqual({ text: 'I live alone' });
    expect(observationsOf(EMPTY_SOCIAL_HISTORY, 'now')).toEqual([]);
  });

  it('skips practices whose setting is disabled and sends one batch for the others', () => {
    const records = [record('p1', 'automatic'), record('p2', 'disabled'), record('p3', 'review')];
    const { send, skip } = receivingRecords(records);
    expect(skip.map((r) => r.patientId)).toEqual(['p2']);
    const list = observationsOf({ ...EMPTY_SOCIAL_HISTORY, occupation: 'Teacher', alcohol: 1 }, 'now');
    const batch = socialHistoryBatch(list, send);
    expect(batch.type).toBe('batch');
    expect(batch.entry.map((e) => [e.request.method, e.request.url, e.resource.subject?.reference])).toEqual([
      ['POST', 'Observation', 'Patient/p1'],
      ['POST', 'Observation', 'Patient/p1'],
      ['POST', 'Observation', 'Patient/p3'],
      ['POST', 'Observation', 'Patient/p3'],
    ]);
  });

  it('reads the batch answer per practice', () => {
    const response = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [
        { response: { status: '201 Created' } },
        { response: { status: '201' } },
        { response: { status: '403 Forbidden' } },
        { response: { status: '201' } },
      ],
    } as unknown as Bundle;
    expect(batchOutcomes(response, [record('p1', 'automatic', 'A'), record('p3', 'review', 'B')], 2)).toEqual([
      { practiceName: 'A', ok: true },
      { practiceName: 'B', ok: false },
    ]);
  });
});
