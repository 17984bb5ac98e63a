import assert from 'node:assert/strict';
import { fhirFetch } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { templates } from './resources.ts';
import type { FuzzIds } from './resources.ts';

/** The seeded records: two patients, their practitioner, an Observation, a group Appointment, a Bundle. */
export async function seed(server: TestServer, ids: FuzzIds): Promise<void> {
  const make = templates(ids);
  const put = async (type: string, id: string, resource: Record<string, unknown>): Promise<void> => {
    const res = await fhirFetch(`${server.fhirUrl}/${type}/${id}`, { method: 'PUT', body: { ...resource, id } });
    assert.ok(
      res.status === 200 || res.status === 201,
      `seeding ${type}/${id}: ${res.status} ${JSON.stringify(res.body)}`,
    );
  };
  await put('Practitioner', ids.practitioner, make.Practitioner!());
  await put('Patient', ids.patient2, { ...make.Patient!(), link: undefined });
  await put('Patient', ids.patient, make.Patient!());
  await put('Observation', ids.observation, { ...make.Observation!(), hasMember: undefined });
  await put('Appointment', ids.appointment, make.Appointment!());
  await put('Bundle', ids.bundle, make.Bundle!());
}
