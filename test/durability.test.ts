import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServerProcess } from './support/server-process.ts';
import { authedFetch } from './support/test-server.ts';

/**
 * Acknowledged writes survive a SIGKILL of the server (no shutdown code runs), and SIGTERM drains
 * in-flight requests before the process exits cleanly.
 */
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'durability-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const create = (fhirUrl: string, i: number) =>
  authedFetch(`${fhirUrl}/Patient`, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'Patient',
      identifier: [{ system: 'urn:durability', value: String(i) }],
      name: [{ family: `Durable${i}` }],
    }),
  });

async function allIds(fhirUrl: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let url: string | undefined = `${fhirUrl}/Patient?_count=1000`;
  for (let pages = 0; url && pages < 100; pages++) {
    const bundle = (await (await authedFetch(url)).json()) as any;
    for (const e of bundle.entry) ids.add(e.resource.id);
    url = bundle.link.find((l: any) => l.relation === 'next')?.url;
  }
  return ids;
}

describe('durability', () => {
  it('every acknowledged write is there after SIGKILL and restart', async () => {
    const dataDir = tempDir();
    const first = await startServerProcess(dataDir);
    const acknowledged = new Map<string, string>();
    try {
      for (let batch = 0; batch < 20; batch++) {
        const responses = await Promise.all(
          Array.from({ length: 10 }, (_, j) => create(first.fhirUrl, batch * 10 + j)),
        );
        for (const res of responses) {
          assert.equal(res.status, 201);
          const body = (await res.json()) as any;
          acknowledged.set(body.id, JSON.stringify(body));
        }
      }
    } finally {
      await first.kill();
    }
    assert.equal(acknowledged.size, 200);

    const second = await startServerProcess(dataDir);
    try {
      for (const [id, json] of acknowledged) {
        const res = await authedFetch(`${second.fhirUrl}/Patient/${id}`);
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), JSON.parse(json));
      }
      assert.deepEqual([...(await allIds(second.fhirUrl))].sort(), [...acknowledged.keys()].sort());
      assert.equal((await create(second.fhirUrl, 999)).status, 201, 'the store still takes writes');
    } finally {
      await second.stop();
    }
  });

  it('with many creates in flight (so their writes share group commits), SIGKILL loses nothing acknowledged', async () => {
    const dataDir = tempDir();
    const first = await startServerProcess(dataDir);
    const SENT = 300;
    const acknowledged = new Map<string, string>();
    let killed: Promise<void> | undefined;
    try {
      // All in flight at once: each COMMIT's fsync finds many writes waiting, which then share the next
      // one. The kill comes once a third are acknowledged, with the rest queued or mid-group.
      await Promise.all(
        Array.from({ length: SENT }, async (_, i) => {
          try {
            const res = await create(first.fhirUrl, i);
            const text = await res.text();
            if (res.status !== 201) throw new Error(`create answered ${res.status}: ${text}`);
            if (killed) return; // answered after the kill was sent: not counted, though it may be stored
            const body = JSON.parse(text) as { id: string };
            acknowledged.set(body.id, text);
            if (acknowledged.size === SENT / 3) killed = first.kill();
          } catch (err) {
            if (!killed) throw err;
          }
        }),
      );
    } finally {
      await (killed ?? first.kill());
    }
    assert.ok(acknowledged.size >= SENT / 3);

    const second = await startServerProcess(dataDir);
    try {
      for (const [id, json] of acknowledged) {
        const res = await authedFetch(`${second.fhirUrl}/Patient/${id}`);
        assert.equal(res.status, 200, `acknowledged Patient/${id} is stored`);
        assert.deepEqual(await res.json(), JSON.parse(json));
      }
      const stored = await allIds(second.fhirUrl);
      assert.ok(stored.size <= SENT, `${stored.size} stored of ${SENT} sent`);
      assert.equal((await create(second.fhirUrl, 999)).status, 201, 'the store still takes writes');
    } finally {
      await second.stop();
    }
  });

  it('SIGTERM finishes in-flight requests, closes the store and exits 0', async () => {
    const dataDir = tempDir();
    const server = await startServerProcess(dataDir, { LOG_LEVEL: 'info' });
    const inFlight = Array.from({ length: 50 }, (_, i) =>
      create(server.fhirUrl, i)
        .then(async (res) => ({ status: res.status, body: (await res.json()) as any }))
        .catch(() => undefined),
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    const code = await server.stop();
    const answered = (await Promise.all(inFlight)).filter((r) => r !== undefined);
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /shut down cleanly/);
    assert.ok(
      answered.every((r) => r.status === 201),
      JSON.stringify(answered.map((r) => r.status)),
    );

    const restarted = await startServerProcess(dataDir);
    try {
      const ids = await allIds(restarted.fhirUrl);
      for (const r of answered) assert.ok(ids.has(r.body.id), `acknowledged ${r.body.id} is stored`);
    } finally {
      await restarted.stop();
    }
  });
});
