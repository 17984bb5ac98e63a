import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MingoEngine, MingoServer } from '../../../test/support/mingo-engine.ts';
import { VersionConflictError } from '../storage-engine.ts';
import type { StoredVersion } from '../stored-version.ts';

/**
 * The engine's driver-level paths that the storage contract reaches only through the repository:
 * the duplicate-key mapping of writeVersion and transaction isolation, on the mingo stand-in.
 */
describe('MongoDB engine on the mingo driver stand-in', () => {
  const version = (id: string, versionId: string): StoredVersion => ({
    resourceType: 'Patient',
    id,
    versionId,
    lastUpdated: new Date().toISOString(),
    deleted: false,
    resource: { resourceType: 'Patient', id },
  });

  it('a second write of one version is a VersionConflictError (duplicate _id, code 11000)', async () => {
    const engine = new MingoEngine();
    await engine.open();
    await engine.transaction((s) => s.writeVersion(version('dup', '1'), []));
    await assert.rejects(
      engine.transaction((s) => s.writeVersion(version('dup', '1'), [])),
      VersionConflictError,
    );
    assert.equal((await engine.reader.readCurrent('Patient', 'dup'))?.versionId, '1');
  });

  it('of two concurrent transactions writing one version, exactly one commits', async () => {
    const engine = new MingoEngine();
    await engine.open();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const write = (): Promise<void> =>
      engine.transaction(async (s) => {
        await s.writeVersion(version('race', '1'), []);
        await gate;
      });
    const results = Promise.allSettled([write(), write()]);
    setTimeout(release, 20);
    const settled = await results;
    assert.equal(settled.filter((r) => r.status === 'fulfilled').length, 1);
    const failure = settled.find((r) => r.status === 'rejected');
    assert.ok(failure?.reason instanceof VersionConflictError, String(failure?.reason));
  });

  it('a transaction reads its own writes; others see them only after it commits', async () => {
    const engine = new MingoEngine();
    await engine.open();
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let seenInside: string | undefined;
    const tx = engine.transaction(async (s) => {
      await s.writeVersion(version('iso', '1'), []);
      seenInside = (await s.readCurrent('Patient', 'iso'))?.versionId;
      await gate;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(seenInside, '1');
    assert.equal(await engine.reader.readCurrent('Patient', 'iso'), undefined);
    release();
    await tx;
    assert.equal((await engine.reader.readCurrent('Patient', 'iso'))?.versionId, '1');
  });

  it('the data outlives an engine: a new engine on the same server reads it', async () => {
    const server = new MingoServer();
    const first = new MingoEngine({ server });
    await first.open();
    await first.transaction((s) => s.writeVersion(version('kept', '1'), []));
    await first.close();
    const second = new MingoEngine({ server });
    await second.open();
    assert.equal((await second.reader.readVersion('Patient', 'kept', '1'))?.id, 'kept');
  });
});
