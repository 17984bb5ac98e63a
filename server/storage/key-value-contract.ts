import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock, JsonObject, KeyValueStore } from './key-value-store.ts';
import { MAX_KEY_LENGTH } from './key-value-store.ts';
import type { StorageEngine } from './storage-engine.ts';

/**
 * The contract every engine's key-value store passes (key-value-store.ts). Each engine has a
 * *-key-value.test.ts that runs it. Time is the real clock plus an offset the tests move forward,
 * so expiry is tested without sleeping (one short real-time test sleeps 150 ms).
 */
export interface KeyValueTarget {
  /** Opens an engine on the same store every time (until cleanup), with this clock. */
  open(clock: Clock): Promise<StorageEngine>;
  /** Removes what open() created (files, databases). */
  cleanup?(): Promise<void>;
}

export function runKeyValueContract(name: string, target: KeyValueTarget, options: { skip?: string } = {}): void {
  describe(`key-value contract: ${name}`, { skip: options.skip }, () => {
    let offset = 0;
    const clock: Clock = () => Date.now() + offset;
    /** Moves the clock forward by `seconds`. */
    const advance = (seconds: number): void => {
      offset += seconds * 1000;
    };
    let engine: StorageEngine;
    let kv: KeyValueStore;

    before(async () => {
      engine = await target.open(clock);
      kv = engine.keyValue;
    });
    after(async () => {
      await engine?.close();
      await target.cleanup?.();
    });

    it('finds what was upserted, per namespace, with its expiry and lookups', async () => {
      const before = clock();
      await kv.upsert(
        'AccessToken',
        'tok-1',
        { jti: 'tok-1', scope: 'openid', nested: { a: [1, 'two', null, true] } },
        60,
        { grantId: 'g-basic' },
      );
      await kv.upsert('RefreshToken', 'tok-1', { other: 1 }, null);
      const found = await kv.find('AccessToken', 'tok-1');
      assert.ok(found);
      assert.deepEqual(found.payload, { jti: 'tok-1', scope: 'openid', nested: { a: [1, 'two', null, true] } });
      assert.equal(found.namespace, 'AccessToken');
      assert.equal(found.id, 'tok-1');
      assert.equal(found.grantId, 'g-basic');
      assert.equal(found.uid, undefined);
      assert.equal(found.consumedAt, undefined);
      assert.ok(found.expiresAt !== null && found.expiresAt >= before + 60_000 && found.expiresAt <= clock() + 60_000);
      const other = await kv.find('RefreshToken', 'tok-1');
      assert.deepEqual(other?.payload, { other: 1 });
      assert.equal(other?.expiresAt, null);
      assert.equal(await kv.find('AccessToken', 'tok-unknown'), undefined);
      assert.equal(await kv.find('Session', 'tok-1'), undefined);
    });

    it('upsert replaces payload, expiry and lookups, and clears consumption', async () => {
      await kv.upsert('Session', 'sess-1', { v: 1 }, 30, { uid: 'uid-old', grantId: 'g-old' });
      assert.equal(await kv.consume('Session', 'sess-1'), true);
      await kv.upsert('Session', 'sess-1', { v: 2 }, undefined, { uid: 'uid-new' });
      const found = await kv.find('Session', 'sess-1');
      assert.deepEqual(found?.payload, { v: 2 });
      assert.equal(found?.expiresAt, null);
      assert.equal(found?.consumedAt, undefined);
      assert.equal(found?.grantId, undefined);
      assert.equal(await kv.findByUid('Session', 'uid-old'), undefined);
      assert.equal((await kv.findByUid('Session', 'uid-new'))?.id, 'sess-1');
      assert.equal(await kv.revokeByGrantId('g-old'), 0);
    });

    it('never returns or consumes an expired record; purgeExpired deletes only expired ones', async () => {
      await kv.upsert('Interaction', 'exp-short', { n: 1 }, 10, { uid: 'exp-uid', userCode: 'EXP-CODE' });
      await kv.upsert('Interaction', 'exp-long', { n: 2 }, 1000);
      await kv.upsert('Interaction', 'exp-never', { n: 3 });
      advance(9.9);
      assert.ok(await kv.find('Interaction', 'exp-short'));
      advance(0.1);
      // expiresAt <= now is expired: the record is hidden even though nothing has deleted it yet.
      assert.equal(await kv.find('Interaction', 'exp-short'), undefined);
      assert.equal(await kv.findByUid('Interaction', 'exp-uid'), undefined);
      assert.equal(await kv.findByUserCode('Interaction', 'EXP-CODE'), undefined);
      assert.equal(await kv.consume('Interaction', 'exp-short'), false);
      assert.ok(await kv.find('Interaction', 'exp-long'));
      assert.ok((await kv.purgeExpired()) >= 1);
      assert.equal(await kv.purgeExpired(), 0);
      advance(100_000);
      assert.equal(await kv.find('Interaction', 'exp-long'), undefined);
      assert.deepEqual((await kv.find('Interaction', 'exp-never'))?.payload, { n: 3 });
      // An expired record can be written again.
      await kv.upsert('Interaction', 'exp-long', { n: 4 }, 5);
      assert.deepEqual((await kv.find('Interaction', 'exp-long'))?.payload, { n: 4 });
    });

    it('expires on the real clock too (fractional seconds)', async () => {
      await kv.upsert('ReplayDetection', 'real-time', { jti: 'real-time' }, 0.1);
      assert.ok(await kv.find('ReplayDetection', 'real-time'));
      await sleep(150);
      assert.equal(await kv.find('ReplayDetection', 'real-time'), undefined);
    });

    it('consume marks once, atomically, and keeps the first time', async () => {
      await kv.upsert('AuthorizationCode', 'code-1', { jti: 'code-1' }, 60, { grantId: 'g-consume' });
      const when = clock();
      assert.equal(await kv.consume('AuthorizationCode', 'code-1'), true);
      const consumed = await kv.find('AuthorizationCode', 'code-1');
      assert.ok(consumed?.consumedAt !== undefined && consumed.consumedAt >= when && consumed.consumedAt <= clock());
      assert.deepEqual(consumed.payload, { jti: 'code-1' }, 'the payload is not changed');
      advance(1);
      assert.equal(await kv.consume('AuthorizationCode', 'code-1'), false);
      assert.equal((await kv.find('AuthorizationCode', 'code-1'))?.consumedAt, consumed.consumedAt);
      assert.equal(await kv.consume('AuthorizationCode', 'no-such-code'), false);
      assert.equal(await kv.find('AuthorizationCode', 'no-such-code'), undefined, 'consume creates nothing');

      await kv.upsert('AuthorizationCode', 'code-race', { jti: 'code-race' }, 60);
      const results = await Promise.all(Array.from({ length: 8 }, () => kv.consume('AuthorizationCode', 'code-race')));
      assert.equal(results.filter(Boolean).length, 1, 'exactly one of concurrent consumers wins');
    });

    it('destroy deletes one record', async () => {
      await kv.upsert('Grant', 'grant-a', { a: 1 }, 60);
      await kv.upsert('Grant', 'grant-b', { b: 1 }, 60);
      await kv.destroy('Grant', 'grant-a');
      await kv.destroy('Grant', 'grant-a');
      await kv.destroy('Grant', 'never-there');
      assert.equal(await kv.find('Grant', 'grant-a'), undefined);
      assert.ok(await kv.find('Grant', 'grant-b'));
    });

    it('revokeByGrantId deletes every record with the grant, across namespaces, expired or not', async () => {
      await kv.upsert('AccessToken', 'rv-at', { t: 1 }, 60, { grantId: 'g-revoke' });
      await kv.upsert('RefreshToken', 'rv-rt', { t: 2 }, 600, { grantId: 'g-revoke' });
      await kv.upsert('AuthorizationCode', 'rv-code', { t: 3 }, 1, { grantId: 'g-revoke' });
      await kv.upsert('AccessToken', 'rv-keep', { t: 4 }, 60, { grantId: 'g-keep' });
      await kv.upsert('AccessToken', 'rv-none', { grantId: 'g-revoke' }, 60);
      advance(2);
      assert.equal(await kv.revokeByGrantId('g-revoke'), 3);
      assert.equal(await kv.find('AccessToken', 'rv-at'), undefined);
      assert.equal(await kv.find('RefreshToken', 'rv-rt'), undefined);
      assert.ok(await kv.find('AccessToken', 'rv-keep'));
      assert.ok(await kv.find('AccessToken', 'rv-none'), 'a grantId inside the payload is not a lookup');
      assert.equal(await kv.revokeByGrantId('g-revoke'), 0);
    });

    it('finds by uid and by user code within the namespace', async () => {
      await kv.upsert('Session', 'sess-u1', { s: 1 }, 60, { uid: 'uid-1' });
      await kv.upsert('DeviceCode', 'dc-1', { d: 1 }, 60, { userCode: 'ABCD-EFGH', grantId: 'g-device' });
      assert.equal((await kv.findByUid('Session', 'uid-1'))?.id, 'sess-u1');
      assert.equal(await kv.findByUid('Interaction', 'uid-1'), undefined);
      assert.equal(await kv.findByUid('Session', 'uid-2'), undefined);
      const device = await kv.findByUserCode('DeviceCode', 'ABCD-EFGH');
      assert.equal(device?.id, 'dc-1');
      assert.deepEqual(device?.payload, { d: 1 });
      assert.equal(await kv.findByUserCode('DeviceCode', 'abcd-efgh'), undefined, 'user codes are compared exactly');
      assert.equal(await kv.findByUserCode('Session', 'ABCD-EFGH'), undefined);
      // A newer record with the same uid wins while both exist; destroying it leaves the older one.
      advance(1);
      await kv.upsert('Session', 'sess-u2', { s: 2 }, 60, { uid: 'uid-1' });
      assert.equal((await kv.findByUid('Session', 'uid-1'))?.id, 'sess-u2');
      await kv.destroy('Session', 'sess-u2');
      assert.equal((await kv.findByUid('Session', 'uid-1'))?.id, 'sess-u1');
      await kv.destroy('Session', 'sess-u1');
      assert.equal(await kv.findByUid('Session', 'uid-1'), undefined);
    });

    it('a write issued during a FHIR transaction is not part of it', async () => {
      let release = (): void => undefined;
      let started = (): void => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const began = new Promise<void>((resolve) => (started = resolve));
      const transaction = engine.transaction(async () => {
        started();
        await gate;
        throw new Error('rolled back on purpose');
      });
      await began;
      const write = kv.upsert('Client', 'during-tx', { client_id: 'during-tx' }, null);
      await sleep(5);
      release();
      await assert.rejects(transaction, /rolled back on purpose/);
      await write;
      assert.deepEqual((await kv.find('Client', 'during-tx'))?.payload, { client_id: 'during-tx' });
    });

    it('hostile ids are stored literally; unstorable ones are refused on write and not found on read', async () => {
      const hostile = [
        '$where',
        '__proto__',
        'constructor',
        'a/b/c',
        'a.b',
        '{"$ne":null}',
        "x' OR '1'='1",
        'ünï©ødé ✓',
        'x'.repeat(MAX_KEY_LENGTH),
      ];
      for (const [i, id] of hostile.entries())
        await kv.upsert('Hostile', id, { i }, 60, { uid: id, userCode: id, grantId: `g-hostile-${i}` });
      for (const [i, id] of hostile.entries()) {
        assert.deepEqual((await kv.find('Hostile', id))?.payload, { i }, id.slice(0, 20));
        assert.equal((await kv.findByUid('Hostile', id))?.id, id);
        assert.equal((await kv.findByUserCode('Hostile', id))?.id, id);
      }
      assert.equal(await kv.find('Hostile', 'a'), undefined, 'no prefix matching');
      assert.equal(await kv.find('Hostile', 'a/b'), undefined);
      await assert.rejects(
        kv.find('Hostile/a', 'b/c'),
        /namespace "Hostile\/a" must match/,
        'namespaces cannot contain /',
      );

      const tooLong = 'x'.repeat(MAX_KEY_LENGTH + 1);
      for (const bad of [tooLong, '', '\uD800', { $ne: null }, 42, null]) {
        await assert.rejects(
          kv.upsert('Hostile', bad as string, {}, 60),
          /id must be a well-formed string of 1 to 1024 characters/,
        );
        assert.equal(await kv.find('Hostile', bad as string), undefined);
        assert.equal(await kv.findByUid('Hostile', bad as string), undefined);
        assert.equal(await kv.findByUserCode('Hostile', bad as string), undefined);
        assert.equal(await kv.consume('Hostile', bad as string), false);
        await kv.destroy('Hostile', bad as string);
        assert.equal(await kv.revokeByGrantId(bad as string), 0);
      }
      assert.ok(await kv.find('Hostile', '$where'), 'the queries with a { $ne: null } id matched nothing');
      await assert.rejects(kv.upsert('Hostile', 'ok', {}, 60, { grantId: tooLong }), /grantId must be/);
      for (const namespace of ['', '$where', 'a/b', 'a b', { $ne: null }]) {
        await assert.rejects(kv.upsert(namespace as string, 'ok', {}, 60), /namespace .* must match/);
        await assert.rejects(kv.find(namespace as string, 'ok'), /namespace .* must match/);
      }
      for (const payload of [null, [], 'text', 1]) {
        await assert.rejects(
          kv.upsert('Hostile', 'ok', payload as unknown as Record<string, unknown>, 60),
          /payload must be a JSON object/,
        );
      }
      for (const expiresIn of [Number.NaN, Infinity, '60']) {
        await assert.rejects(
          kv.upsert('Hostile', 'ok', {}, expiresIn as number),
          /expiresInSeconds must be a finite number/,
        );
      }
      assert.equal(await kv.find('Hostile', 'ok'), undefined);
    });

    it('payload keys round-trip literally and pollute nothing', async () => {
      const payload = JSON.parse(
        '{"__proto__":{"polluted":true},"$where":"sleep(1000)","a.b":{"$ne":null},"constructor":{"prototype":{"x":1}},"": "empty"}',
      ) as JsonObject;
      await kv.upsert('Hostile', 'payload-keys', payload, 60);
      const found = await kv.find('Hostile', 'payload-keys');
      assert.deepEqual(Object.keys(found?.payload ?? {}).sort(), ['', '$where', '__proto__', 'a.b', 'constructor']);
      assert.deepEqual(JSON.stringify(found?.payload), JSON.stringify(payload));
      assert.equal(Object.getPrototypeOf(found?.payload), Object.prototype);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('records survive closing and reopening the store', async () => {
      await kv.upsert('RefreshToken', 'durable', { jti: 'durable', exp: 1 }, 3600, { grantId: 'g-durable' });
      await kv.upsert('Session', 'durable-session', { uid: 'durable-uid' }, 3600, { uid: 'durable-uid' });
      assert.equal(await kv.consume('RefreshToken', 'durable'), true);
      await engine.close();
      engine = await target.open(clock);
      kv = engine.keyValue;
      const found = await kv.find('RefreshToken', 'durable');
      assert.deepEqual(found?.payload, { jti: 'durable', exp: 1 });
      assert.equal(found?.grantId, 'g-durable');
      assert.ok(found?.consumedAt);
      assert.equal((await kv.findByUid('Session', 'durable-uid'))?.id, 'durable-session');
      assert.equal(await kv.revokeByGrantId('g-durable'), 1);
    });
  });
}
