import fc from 'fast-check';
import { hostileKey, hostileValue, leafString, mutate, mutation, serialize, textMutation } from './mutate.ts';
import type { Mutation } from './mutate.ts';
import { templates } from './resources.ts';
import type { FuzzIds } from './resources.ts';

/**
 * Requests to the FHIR endpoint: every interaction the route table has (create, update, patch,
 * delete, their conditional forms, batch and transaction Bundles, search by GET and POST, history,
 * vread, $everything, $validate), with wrongly-typed bodies, hostile parameters and odd headers.
 */
export interface FuzzRequest {
  kind: string;
  method: string;
  /** Below the FHIR base URL, starting with '/', already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TYPES = [
  'Patient',
  'Observation',
  'Appointment',
  'Bundle',
  'Encounter',
  'Condition',
  'MedicationRequest',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'RelatedPerson',
  'Person',
  'Consent',
  'Binary',
  'DocumentReference',
  'QuestionnaireResponse',
  'Group',
  'CarePlan',
  'Immunization',
  'AuditEvent',
  'Schedule',
  'Slot',
];
const BAD_TYPES = [
  'Patientz',
  'patient',
  'Resource',
  'DomainResource',
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
  'Parameters',
  'OperationOutcome',
  '%',
  '%00',
  '_history',
  '_search',
  '$everything',
  'metadata',
  encodeURIComponent('🙂'),
  encodeURIComponent('Pa tient'),
];

const ascii = (max: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });

export function requestArbitrary(ids: FuzzIds): fc.Arbitrary<FuzzRequest> {
  const make = templates(ids);
  const seededIds = [
    ids.patient,
    ids.patient2,
    ids.observation,
    ids.appointment,
    ids.bundle,
    ids.practitioner,
    ids.practiceId,
  ];
  const goodType = fc.constantFrom(...TYPES);
  const anyType = fc.oneof({ weight: 9, arbitrary: goodType }, { weight: 1, arbitrary: fc.constantFrom(...BAD_TYPES) });
  const idSegment = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...seededIds) },
    { weight: 3, arbitrary: fc.constantFrom('fz-1', 'fz-2', 'fz-3', 'fz-new') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'a'.repeat(65),
        'bad_id',
        '%',
        '%zz',
        '.',
        '-',
        encodeURIComponent('x y'),
        encodeURIComponent('ü'),
        '0',
        encodeURIComponent('$x'),
        'toString',
        '__proto__',
      ),
    },
  );
  const versionSegment = fc.constantFrom('1', '2', '3', '0', '-1', '999999999999', 'x', '%', 'a'.repeat(70));

  // ---- query parameters: names and values, repeated names become arrays on the server
  const paramName = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        '_id',
        '_id:not',
        '_lastUpdated',
        '_tag',
        '_tag:not',
        '_security',
        '_profile',
        '_source',
        '_text',
        '_content',
        '_list',
        '_filter',
        '_query',
        '_has:Observation:patient:code',
        '_has:Observation:subject:_has:Provenance:target:agent',
        '_has:Observation:patient:_id',
        '_has',
        '_has:',
        '_has:Nope:x:y',
        '_type',
        '_count',
        '_sort',
        '_total',
        '_summary',
        '_elements',
        '_include',
        '_revinclude',
        '_include:iterate',
        '_revinclude:iterate',
        '_cursor',
        '_page',
        '_since',
        '_at',
        '_format',
        '_pretty',
        'name',
        'family',
        'given',
        'birthdate',
        'gender',
        'identifier',
        'identifier:of-type',
        'subject',
        'patient',
        'subject:Patient',
        'subject:Patient.name',
        'subject.name',
        'patient.organization.name',
        'subject:Patient.general-practitioner:Practitioner.name',
        'code',
        'code:text',
        'code:not',
        'code:in',
        'code:below',
        'code:above',
        'date',
        'date:missing',
        'value-quantity',
        'status',
        'component-code-value-quantity',
        'code-value-quantity',
        'name:exact',
        'name:contains',
        'name:missing',
        'birthdate:missing',
        'general-practitioner',
        'link',
        'actor',
        'participant',
        'organization',
        'practitioner',
        'role',
        'active',
        'address',
        'telecom',
        'email',
        'phone',
        'category',
        'combo-code',
        'url',
        'version',
      ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '$where',
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'a.b',
        '',
        ' ',
        'name[$ne]',
        '🙂',
        'x'.repeat(300),
        'name:',
        ':',
        'subject:Unknown',
        'subject:Patient.subject:Patient.name',
        '_id:',
        '_sort:',
        'name:text:exact',
      ),
    },
    { weight: 1, arbitrary: ascii(10) },
  );
  const cursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const paramValue = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.constantFrom(
        'x',
        '',
        'Fuzz',
        'eq2020',
        'gt2020-01-01',
        'lt',
        'ap2020-02-30',
        'ne1',
        'sa2020',
        'eb',
        'le2020-01-01T00:00:00Z',
        '2020-13-45',
        '1e999',
        'NaN',
        '-0',
        '0x10',
        '5.4e-3',
        '|',
        '||',
        'a|b|c',
        'http://x|',
        '|x',
        'http://loinc.org|8867-4',
        'http://loinc.org|8867-4$lt70',
        '8867-4$gt',
        '$',
        'Patient/',
        'Patient/fz-patient',
        'fz-patient',
        'http://127.0.0.1/fhir/R4/Patient/fz-patient',
        'Patient/../..',
        '5.4|http://unitsofmeasure.org|mg',
        '5||',
        'a$b',
        'a,b,c',
        ',,,',
        '\\,',
        '\\',
        '%',
        '\u0000',
        '🙂',
        'ü',
        'x'.repeat(5000),
        'a,'.repeat(150),
        'true',
        'false',
        '-',
        'Observation:patient',
        'Observation:patient:Patient',
        '*',
        'Patient:*',
        'Observation:subject:Device',
        'Nope:x',
        '_id',
        '-_lastUpdated',
        'name,-birthdate',
        'name,name,name,name,name,name',
        'count',
        'text',
        'data',
        'id,name',
        'none',
        'accurate',
        'estimate',
        'json',
        'xml',
        'application/fhir+xml',
        'AAAA',
        cursor(['a', [], 'fz-patient']),
        cursor(['b', [null], 'fz-patient']),
        cursor(['a', [{}], 'x']),
        cursor(['a', [], ['x']]),
        cursor([1, 2, 3]),
        cursor({ a: 1 }),
        cursor(['2024-01-01T00:00:00Z', 'Patient', 'fz-patient', '1']),
        cursor([[], {}, null, 5]),
        'Patient/fz-patient,Observation/fz-obs',
        'Patient,Observation',
        'Nope',
        'name eq "x"',
        'missing',
        'not',
        'true,false',
        'Patient?x=1',
        '2024-01-01T00:00:00Z',
        '2024-01-01T00:00:00+99:00',
      ),
    },
    { weight: 2, arbitrary: fc.string({ maxLength: 16 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  );
  const params = fc.array(fc.tuple(paramName, paramValue), { maxLength: 5 });
  // Mostly well-encoded; sometimes a raw query string the server's parser must cope with.
  const rawQuery = fc.constantFrom(
    '%',
    '%zz=1',
    'a=%',
    '=',
    '&&&',
    'name',
    'name=a&name=b&name=c',
    '_count=1&_count=2',
    '_format=json&_format=xml',
    ';',
    'name=%ff%fe',
    'a[b]=1',
    'a[$ne]=1',
    'q=%00',
    '_sort=name&_cursor=%',
  );
  const queryText = fc.oneof(
    { weight: 9, arbitrary: params.map((pairs) => new URLSearchParams(pairs).toString()) },
    { weight: 1, arbitrary: rawQuery },
  );
  const withQuery = (path: string, query: string): string => (query ? `${path}?${query}` : path);

  // ---- headers
  const headerValue: Record<string, fc.Arbitrary<string>> = {
    'if-match': fc.oneof(
      fc.constantFrom(
        'W/"1"',
        '"1"',
        '1',
        'W/"2"',
        'W/"x"',
        '*',
        '',
        'W/',
        '"',
        'W/"1", W/"2"',
        'W/"99999999999999999999"',
      ),
      ascii(12),
    ),
    'if-none-match': fc.oneof(fc.constantFrom('*', 'W/"1"', 'W/"1", *', ''), ascii(12)),
    'if-modified-since': fc.oneof(
      fc.constantFrom('Wed, 21 Oct 2015 07:28:00 GMT', 'Sat, 01 Jan 2050 00:00:00 GMT', 'garbage', '0', '', '-1'),
      ascii(12),
    ),
    'if-none-exist': fc.oneof(
      queryText,
      fc.constantFrom('Patient?name=Fuzz', '?', '', 'identifier=http://example.org/mrn|MRN-1'),
    ),
    prefer: fc.oneof(
      fc.constantFrom(
        'return=minimal',
        'return=representation',
        'return=OperationOutcome',
        'handling=strict',
        'handling=lenient',
        'respond-async',
        'return=',
        '=,;',
        'return=minimal, handling=strict',
      ),
      ascii(20),
    ),
    accept: fc.oneof(
      fc.constantFrom(
        'application/fhir+json',
        'application/json',
        '*/*',
        'application/*',
        'application/fhir+xml',
        'text/html',
        '',
        'application/fhir+json;q=0',
        'application/fhir+json; fhirVersion=4.0',
      ),
      ascii(20),
    ),
  };
  const someHeaders = fc
    .subarray(Object.keys(headerValue), { maxLength: 3 })
    .chain((names) =>
      names.length
        ? fc.tuple(...names.map((n) => (headerValue[n] as fc.Arbitrary<string>).map((v) => [n, v] as const)))
        : fc.constant([] as Array<readonly [string, string]>),
    )
    .map((pairs) => Object.fromEntries(pairs) as Record<string, string>);
  const extraHeaders = fc.oneof(
    { weight: 1, arbitrary: fc.constant({} as Record<string, string>) },
    { weight: 1, arbitrary: someHeaders },
  );
  const contentType = fc.oneof(
    { weight: 24, arbitrary: fc.constant('application/fhir+json') },
    { weight: 3, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        'application/json-patch+json',
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/fhir+json; charset=utf-16',
        'application/fhir+json; charset=latin1',
        'multipart/form-data; boundary=x',
        '',
        'application/fhir+xml',
      ),
    },
    { weight: 1, arbitrary: ascii(20) },
  );
  const bodyHeaders = fc
    .tuple(
      extraHeaders,
      contentType,
      fc.oneof(
        { weight: 15, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-garbage') },
      ),
    )
    .map(([h, ct, enc]) => ({
      ...h,
      'content-type': ct,
      ...(enc ? { 'content-encoding': enc } : {}),
    }));

  // ---- bodies
  const resourceOf = (
    type: fc.Arbitrary<string>,
    id?: fc.Arbitrary<string | undefined>,
  ): fc.Arbitrary<{ [key: string]: Json }> =>
    fc
      .tuple(
        type,
        id ?? fc.constant(undefined),
        fc.oneof(
          { weight: 2, arbitrary: fc.constant([] as Mutation[]) },
          { weight: 2, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 1 }) },
          { weight: 1, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 3 }) },
        ),
      )
      .map(([t, resourceId, mutations]) => {
        const base = ((Object.hasOwn(make, t) ? make[t] : undefined) ?? make.Patient!)() as { [key: string]: Json };
        if (resourceId !== undefined) base.id = resourceId;
        return mutate(base, mutations);
      });
  // Mostly mutated (a wrong type somewhere); one in six left valid so writes also succeed.
  const bodyOf = (type: fc.Arbitrary<string>, id?: fc.Arbitrary<string | undefined>): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 20, arbitrary: fc.tuple(resourceOf(type, id), textMutation).map(([r, m]) => serialize(r, m)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          '',
          'null',
          '[]',
          '"Patient"',
          '123',
          'true',
          '{}',
          '{"resourceType":null}',
          '{"resourceType":{}}',
          '[{"resourceType":"Patient"}]',
          '{'.repeat(70),
          '['.repeat(200_000),
        ),
      },
      { weight: 1, arbitrary: hostileValue.map((v) => JSON.stringify(v) ?? 'null') },
    );
  // Mostly a resource that exists (a seeded one, or one the fuzzing wrote), else any type and id.
  const seeded: Array<[string, string]> = [
    ['Patient', ids.patient],
    ['Patient', ids.patient2],
    ['Observation', ids.observation],
    ['Appointment', ids.appointment],
    ['Bundle', ids.bundle],
    ['Practitioner', ids.practitioner],
    ['Organization', ids.practiceId],
  ];
  const typedId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...seeded) },
    { weight: 1, arbitrary: fc.tuple(goodType, fc.constantFrom('fz-1', 'fz-2', 'fz-3')) },
    { weight: 2, arbitrary: fc.tuple(goodType, idSegment) },
  );
  // Deleting the seeded records is rarer, so that most requests still find them.
  const deleteTarget = fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(...seeded) },
    { weight: 4, arbitrary: fc.tuple(goodType, fc.constantFrom('fz-1', 'fz-2', 'fz-3')) },
    { weight: 2, arbitrary: fc.tuple(goodType, idSegment) },
  );

  // ---- JSON Patch
  const patchPath = fc.oneof(
    fc.constantFrom(
      '/id',
      '/resourceType',
      '/meta',
      '/meta/tag',
      '/meta/tag/0',
      '/meta/tag/-',
      '/meta/security',
      '/meta/profile',
      '/meta/versionId',
      '/subject',
      '/subject/reference',
      '/patient/reference',
      '/link/0/target/reference',
      '/participant/0/actor',
      '/name',
      '/name/0/given',
      '/name/-',
      '/text/div',
      '/contained',
      '/extension',
      '/_birthDate',
      '',
      '/',
      '/~1',
      '/~2',
      '/__proto__/x',
      '/constructor/prototype',
      '/0',
      '/-',
    ),
    ascii(12),
  );
  const patchOp = fc.record(
    {
      op: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom('add', 'replace', 'remove', 'move', 'copy', 'test') },
        { weight: 1, arbitrary: hostileValue },
      ),
      path: fc.oneof({ weight: 12, arbitrary: patchPath }, { weight: 1, arbitrary: hostileValue }),
      value: fc.oneof(leafString, hostileValue),
      from: fc.oneof({ weight: 8, arbitrary: patchPath }, { weight: 1, arbitrary: hostileValue }),
    },
    { requiredKeys: ['op', 'path', 'from'] },
  );
  const patchBody = fc.oneof(
    { weight: 6, arbitrary: fc.array(patchOp, { minLength: 1, maxLength: 3 }).map((ops) => JSON.stringify(ops)) },
    { weight: 1, arbitrary: fc.constantFrom('{}', '[]', '"x"', '[1]', '[null]', '[[]]', '{"op":"add"}', 'not json') },
  );
  const patchHeaders = fc
    .tuple(
      extraHeaders,
      fc.oneof(
        { weight: 8, arbitrary: fc.constant('application/json-patch+json') },
        { weight: 1, arbitrary: contentType },
      ),
    )
    .map(([h, ct]) => ({ ...h, 'content-type': ct }));

  // ---- Bundles: entries whose fields have the wrong types
  const method = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'HEAD',
        'get',
        'toString',
        'constructor',
        '__proto__',
        'valueOf',
        'hasOwnProperty',
        '',
      ),
    },
  );
  const entryUrl = fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(goodType, fc.option(idSegment), fc.option(versionSegment, { freq: 4 }))
        .map(([t, id, v]) => [t, id, id && v ? `_history/${v}` : null].filter(Boolean).join('/')),
    },
    { weight: 2, arbitrary: fc.tuple(goodType, queryText).map(([t, q]) => `${t}?${q}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        '/',
        'Patient/',
        'http://evil.example/Patient/1',
        'Nope/1',
        'Patient/fz-patient/$everything',
        'metadata',
        '_history',
        'Patient/_search',
        '?a=1',
        'Patient??x',
        'urn:uuid:x',
        'Patient/fz-patient/_history',
        'toString',
        'Patient?__proto__=1',
        'Patient?$where=1',
      ),
    },
  );
  const fullUrl = fc.oneof(
    fc.constantFrom(
      'urn:uuid:11111111-1111-1111-1111-111111111111',
      'urn:uuid:22222222-2222-2222-2222-222222222222',
      'urn:oid:1.2.3',
      'http://127.0.0.1/fhir/R4/Patient/fz-patient',
      'Patient/fz-new',
    ),
    leafString,
  );
  const binaryPatch = patchBody.map(
    (text) =>
      ({
        resourceType: 'Binary',
        contentType: 'application/json-patch+json',
        data: Buffer.from(text).toString('base64'),
      }) as Json,
  );
  /** `arb` once in `oneIn` draws, else absent. */
  const optional = <T>(arb: fc.Arbitrary<T>, oneIn = 3): fc.Arbitrary<T | undefined> =>
    fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
  /** A string field of an entry: mostly a string of that kind, rarely a wrongly-typed value. */
  const mostly = (arb: fc.Arbitrary<Json>): fc.Arbitrary<Json> =>
    fc.oneof({ weight: 12, arbitrary: arb }, { weight: 1, arbitrary: hostileValue });
  const request = fc
    .record({
      method: mostly(method),
      url: mostly(entryUrl),
      ifMatch: optional(mostly(fc.oneof(fc.constantFrom('W/"1"', 'W/"2"', '1', '*', ''), leafString))),
      ifNoneExist: optional(mostly(queryText)),
      ifNoneMatch: optional(mostly(fc.constantFrom('*', 'W/"1"')), 8),
      ifModifiedSince: optional(mostly(fc.constantFrom('2020-01-01T00:00:00Z', 'x')), 8),
    })
    .map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as Json);
  const entry = fc
    .record({
      fullUrl: optional(mostly(fullUrl), 2),
      resource: fc.oneof(
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 6, arbitrary: resourceOf(goodType) as fc.Arbitrary<Json> },
        { weight: 1, arbitrary: binaryPatch },
        { weight: 1, arbitrary: hostileValue },
      ),
      request: mostly(request),
      extra: optional(fc.tuple(hostileKey, hostileValue), 12),
    })
    .map(({ extra, ...e }) => {
      const out = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as { [key: string]: Json };
      if (extra) out[extra[0]] = extra[1];
      return out as Json;
    });
  const bundleBody = fc
    .record({
      type: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('batch', 'transaction') },
        { weight: 1, arbitrary: fc.constantFrom('collection', 'searchset', 'history', '') },
        { weight: 1, arbitrary: hostileValue },
      ),
      entry: fc.oneof(
        { weight: 8, arbitrary: fc.array(entry, { maxLength: 4 }) as fc.Arbitrary<Json> },
        { weight: 1, arbitrary: hostileValue },
      ),
      id: optional(fc.oneof(fc.constant('b1'), hostileValue), 6),
      meta: optional(hostileValue, 10),
    })
    .map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined)))
    .chain((b) =>
      fc.tuple(
        fc.constant({ resourceType: 'Bundle', ...b } as { [key: string]: Json }),
        optional(fc.array(mutation, { minLength: 1, maxLength: 1 }), 4),
        textMutation,
      ),
    )
    .map(([b, ms, tm]) => [b, ms ?? [], tm] as const)
    .map(([b, ms, tm]) => serialize(mutate(b, ms), tm));

  // ---- $validate bodies: the resource itself or a Parameters around it
  const validateBody = fc.oneof(
    { weight: 3, arbitrary: bodyOf(goodType) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(resourceOf(goodType) as fc.Arbitrary<Json>, hostileValue, fc.nat())
        .map(([resource, junk, n]) =>
          JSON.stringify(
            [
              { resourceType: 'Parameters', parameter: [{ name: 'resource', resource }] },
              { resourceType: 'Parameters', parameter: junk },
              { resourceType: 'Parameters', parameter: [{ name: 'resource', resource: junk }] },
              { resourceType: 'Parameters', parameter: [junk, { name: junk, resource }] },
            ][n % 4],
          ),
        ),
    },
  );

  const req = (
    kind: string,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): FuzzRequest => ({ kind, method, path, headers, body });

  const kinds: Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }> = [
    {
      weight: 10,
      arbitrary: fc
        .tuple(anyType, bodyHeaders, fc.nat(9))
        .chain(([t, h, other]) =>
          bodyOf(other === 0 ? goodType : fc.constant(t)).map((b) => req('create', 'POST', `/${t}`, h, b)),
        ),
    },
    {
      weight: 10,
      arbitrary: fc
        .tuple(typedId, bodyHeaders)
        .chain(([[t, id], h]) =>
          bodyOf(
            fc.constant(t),
            fc.oneof(
              { weight: 8, arbitrary: fc.constant(decodeURIComponent(safeDecode(id))) },
              { weight: 1, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: idSegment },
            ),
          ).map((b) => req('update', 'PUT', `/${t}/${id}`, h, b)),
        ),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(goodType, queryText, bodyHeaders)
        .chain(([t, q, h]) =>
          bodyOf(fc.constant(t), optional(idSegment, 2)).map((b) =>
            req('conditional-update', 'PUT', withQuery(`/${t}`, q), h, b),
          ),
        ),
    },
    {
      weight: 6,
      arbitrary: fc
        .tuple(typedId, patchHeaders, patchBody)
        .map(([[t, id], h, b]) => req('patch', 'PATCH', `/${t}/${id}`, h, b)),
    },
    // Patches that apply: the patched resource (odd references, tags, links) goes on to validation and the access checks.
    {
      weight: 3,
      arbitrary: fc.tuple(fc.nat(5), leafString, extraHeaders).map(([n, value, h]) => {
        const [path, ops] = [
          [`/Observation/${ids.observation}`, [{ op: 'replace', path: '/subject/reference', value }]],
          [`/Patient/${ids.patient}`, [{ op: 'add', path: '/meta/tag/-', value: { system: value, code: value } }]],
          [
            `/Patient/${ids.patient2}`,
            [{ op: 'add', path: '/link', value: [{ other: { reference: value }, type: 'seealso' }] }],
          ],
          [
            `/Appointment/${ids.appointment}`,
            [{ op: 'replace', path: '/participant/0/actor', value: { reference: value } }],
          ],
          [
            `/Patient/${ids.patient}`,
            [
              {
                op: 'add',
                path: '/meta/security',
                value: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: value }],
              },
            ],
          ],
          [
            `/Observation/${ids.observation}`,
            [
              { op: 'add', path: '/performer', value: [{ reference: value }] },
              { op: 'add', path: '/effectiveDateTime', value },
            ],
          ],
        ][n] as [string, unknown];
        return req(
          'patch',
          'PATCH',
          path,
          { ...h, 'content-type': 'application/json-patch+json' },
          JSON.stringify(ops),
        );
      }),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(deleteTarget, extraHeaders).map(([[t, id], h]) => req('delete', 'DELETE', `/${t}/${id}`, h)),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(goodType, queryText, extraHeaders)
        .map(([t, q, h]) => req('conditional-delete', 'DELETE', withQuery(`/${t}`, q), h)),
    },
    { weight: 10, arbitrary: fc.tuple(bundleBody, bodyHeaders).map(([b, h]) => req('bundle', 'POST', '/', h, b)) },
    {
      weight: 10,
      arbitrary: fc
        .tuple(anyType, queryText, extraHeaders)
        .map(([t, q, h]) => req('search', 'GET', withQuery(`/${t}`, q), h)),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(
          goodType,
          queryText,
          queryText,
          extraHeaders,
          fc.oneof(
            { weight: 6, arbitrary: fc.constant('application/x-www-form-urlencoded') },
            { weight: 1, arbitrary: contentType },
          ),
        )
        .map(([t, q, form, h, ct]) =>
          req('search-post', 'POST', withQuery(`/${t}/_search`, q), { ...h, 'content-type': ct }, form),
        ),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(typedId, extraHeaders).map(([[t, id], h]) => req('read', 'GET', `/${t}/${id}`, h)),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(typedId, versionSegment, extraHeaders)
        .map(([[t, id], v, h]) => req('vread', 'GET', `/${t}/${id}/_history/${v}`, h)),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom('system', 'type', 'instance'), typedId, queryText, extraHeaders)
        .map(([level, [t, id], q, h]) =>
          req(
            'history',
            'GET',
            withQuery(
              level === 'system' ? '/_history' : level === 'type' ? `/${t}/_history` : `/${t}/${id}/_history`,
              q,
            ),
            h,
          ),
        ),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(idSegment, queryText, extraHeaders, fc.boolean())
        .map(([id, q, h, post]) =>
          req('everything', post ? 'POST' : 'GET', withQuery(`/Patient/${id}/$everything`, q), h),
        ),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(goodType, fc.option(idSegment), bodyHeaders, fc.boolean())
        .chain(([t, id, h, get]) =>
          get && id
            ? fc.constant(req('validate', 'GET', `/${t}/${id}/$validate`, {}))
            : validateBody.map((b) => req('validate', 'POST', id ? `/${t}/${id}/$validate` : `/${t}/$validate`, h, b)),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
          fc.array(
            fc.oneof(
              anyType,
              idSegment,
              fc.constantFrom('_history', '$validate', '$everything', '_search', '$meta', ''),
            ),
            { maxLength: 5 },
          ),
          queryText,
          bodyHeaders,
        )
        .chain(([m, segments, q, h]) =>
          (m === 'GET' || m === 'OPTIONS' ? fc.constant(undefined) : bodyOf(goodType)).map((b) =>
            req('any-route', m, withQuery(`/${segments.join('/')}`, q), m === 'GET' || m === 'OPTIONS' ? {} : h, b),
          ),
        ),
    },
  ];
  return fc.oneof(...kinds);
}

function safeDecode(segment: string): string {
  try {
    decodeURIComponent(segment);
    return segment;
  } catch {
    return encodeURIComponent(segment);
  }
}
