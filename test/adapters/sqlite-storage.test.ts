/**
 * SQLite-specific behaviour beyond the conformance suites: schema versions, options, several
 * connections on one file, change polling, heartbeats, the reaper, and appends that complete
 * their claim.
 */
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { MemoryEventBus } from '../../src/adapters/memory/index.js';
import type { Claim, ClaimRef } from '../../src/adapters/ports.js';
import {
  createSqliteStorage,
  type SqliteStorage,
  type SqliteStorageOptions,
} from '../../src/adapters/sqlite/index.js';
import { migrations } from '../../src/adapters/sqlite/migrations.js';
import {
  migrate,
  openSqliteDatabase,
  schemaVersion,
} from '../../src/adapters/sqlite/sqlite-connection.js';
import { SQLITE_DEFAULTS } from '../../src/adapters/sqlite/sqlite-options.js';
import {
  ConfigError,
  JobErrorCodes,
  JobValidationError,
  StaleClaimError,
  WriteConflictError,
} from '../../src/errors.js';
import { EventTypes } from '../../src/events.js';
import { JobStatus, type Operation } from '../../src/types.js';
import { jobInput, makeOperation, makeOperations, T0 } from '../conformance/fixtures.js';
import { removeDb, tempDbPath } from '../support/sqlite-files.js';
import { laneBookkeepingErrors, openRaw } from '../support/sqlite-inspect.js';

const ref = (claim: Claim): ClaimRef => ({ jobId: claim.job.id, token: claim.token });
const ids = (claims: Claim[]): string[] => claims.map((claim) => claim.job.id);

describe('SQLite storage', () => {
  let path: string;
  let clock: SimulatedClock;
  let opened: SqliteStorage[];
  let raw: Database.Database[];

  beforeEach(() => {
    path = tempDbPath();
    clock = new SimulatedClock();
    clock.set(T0);
    opened = [];
    raw = [];
  });
  afterEach(async () => {
    for (const storage of opened) await storage.close();
    for (const db of raw) db.close();
    removeDb(path);
  });

  function open(
    options: SqliteStorageOptions = {},
    runnerId = `runner-${opened.length + 1}`,
  ): SqliteStorage & { bus: MemoryEventBus } {
    const bus = new MemoryEventBus();
    const storage = createSqliteStorage(path, { bus, clock, runnerId }, options);
    opened.push(storage);
    return Object.assign(storage, { bus });
  }

  function inspect(): Database.Database {
    const db = openRaw(path);
    raw.push(db);
    return db;
  }

  function countAvailable(bus: MemoryEventBus): { readonly count: number } {
    const seen = { count: 0 };
    bus.subscribe(EventTypes.JOB_AVAILABLE, () => {
      seen.count += 1;
    });
    return seen;
  }

  describe('schema', () => {
    it('records the schema version on open, and re-opening changes nothing', async () => {
      const first = open();
      await first.queue.enqueue(jobInput('doc-1', ['a'], { id: 'kept' }));
      const db = inspect();
      const latest = migrations.at(-1)?.version;
      expect(schemaVersion(db)).toBe(latest);
      const recorded = db.prepare('SELECT * FROM schema_version').all();
      expect(recorded).toEqual(
        migrations.map((m) => ({ version: m.version, name: m.name, applied_at: T0 })),
      );
      await first.close();

      clock.increment(1_000);
      const second = open();
      expect(db.prepare('SELECT * FROM schema_version').all()).toEqual(recorded);
      expect(await second.queue.get('kept')).toMatchObject({ status: JobStatus.PENDING });
      expect(migrate(db)).toEqual({ from: latest, to: latest, applied: [] });
    });

    it('applies only the migrations a database lacks, in one transaction', () => {
      open();
      const db = inspect();
      const latest = migrations.length;
      const next = [
        ...migrations,
        { version: latest + 1, name: 'extra.sql', sql: 'CREATE TABLE extra (x INTEGER);' },
      ];
      expect(migrate(db, next)).toEqual({ from: latest, to: latest + 1, applied: [latest + 1] });
      const broken = [
        ...next,
        { version: latest + 2, name: 'broken.sql', sql: 'CREATE TABLE ok (x); NOT SQL;' },
      ];
      expect(() => migrate(db, broken)).toThrow();
      expect(schemaVersion(db)).toBe(latest + 1);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE name = 'ok'").all();
      expect(tables).toEqual([]);
    });

    it('schema 3 keeps the stored operations and makes their ids unique per lane', async () => {
      const db = inspect();
      migrate(db, migrations.slice(0, 2));
      const insert = db.prepare(
        `INSERT INTO operations (document_id, scope, branch, idx, id, skip, hash, timestamp_utc_ms, action)
         VALUES (?, ?, 'main', ?, 'same-id', 0, 'h', 't', ?)`,
      );
      const kept = makeOperation('a', 0);
      insert.run('doc-1', 'a', 0, JSON.stringify(kept.action));
      expect(() => insert.run('doc-2', 'a', 0, '{}')).toThrow(/UNIQUE/); // one id per database

      migrate(db);
      insert.run('doc-2', 'a', 0, '{}'); // another lane may hold the same id
      expect(() => insert.run('doc-2', 'a', 1, '{}')).toThrow(/UNIQUE.*\.id/); // not twice in one
      const storage = open();
      expect(await storage.store.getOperations('doc-1', 'a', 'main')).toEqual([
        { ...kept, id: 'same-id', hash: 'h', timestampUtcMs: 't' },
      ]);
    });

    it('refuses a database whose schema is newer than this code', async () => {
      const storage = open();
      await storage.close();
      const db = inspect();
      db.prepare('INSERT INTO schema_version VALUES (999, ?, 0)').run('future.sql');
      expect(() => open()).toThrow(/schema is at version 999/);
    });

    it('opens the file in WAL mode with the chosen synchronous level', () => {
      open({ synchronous: 'FULL' });
      const db = inspect();
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    });

    it('sets the WAL autocheckpoint of its connection', () => {
      const options = { synchronous: 'NORMAL', busyTimeout: 0, now: () => T0 } as const;
      const tuned = openSqliteDatabase(path, { ...options, walAutocheckpoint: 1234 });
      const plain = openSqliteDatabase(path, options);
      try {
        expect(tuned.pragma('wal_autocheckpoint', { simple: true })).toBe(1234);
        expect(plain.pragma('wal_autocheckpoint', { simple: true })).toBe(1000); // SQLite's
        expect(SQLITE_DEFAULTS.walAutocheckpoint).toBe(10_000);
      } finally {
        tuned.close();
        plain.close();
      }
    });
  });

  describe('options', () => {
    const bad: [SqliteStorageOptions, string][] = [
      [{ synchronous: 'OFF' as 'FULL' }, 'synchronous'],
      [{ pollInterval: 0 }, 'pollInterval'],
      [{ heartbeatInterval: 1.5 }, 'heartbeatInterval'],
      [{ stalledThreshold: -1 }, 'stalledThreshold'],
      [{ reapInterval: Number.NaN }, 'reapInterval'],
      [{ maxReapBatch: 0 }, 'maxReapBatch'],
      [{ busyTimeout: '5s' as unknown as number }, 'busyTimeout'],
      [{ maxRetries: -1 }, 'maxRetries'],
      [{ walAutocheckpoint: 0 }, 'walAutocheckpoint'],
      [{ onError: 'log' as unknown as () => void }, 'onError'],
      [{ pollIntervall: 10 } as SqliteStorageOptions, 'pollIntervall'],
      [{ heartbeatInterval: 5_000, stalledThreshold: 5_000 }, 'stalledThreshold'],
    ];
    for (const [options, field] of bad) {
      it(`rejects ${JSON.stringify(options)} naming \`${field}\`, before opening anything`, () => {
        const error = (() => {
          try {
            open(options);
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).option).toBe(field);
        expect((error as Error).message).toContain(field);
      });
    }

    it('says what it expected and what it got', () => {
      expect(() => open({ pollInterval: 0 })).toThrow(
        'Invalid `pollInterval`: expected `pollInterval` to be an integer from 1 to 2147483647, got 0',
      );
    });

    it('caps the millisecond options at 2147483647 (a longer Node timer fires after 1 ms)', () => {
      expect(() => open({ stalledThreshold: 2 ** 31 })).toThrow(
        'expected `stalledThreshold` to be an integer from 1 to 2147483647, got 2147483648',
      );
    });
  });

  describe('two connections on one file', () => {
    it('claim disjoint jobs and keep lane order', async () => {
      const a = open();
      const b = open();
      const lanes = 20;
      const perLane = 5;
      const inputs = [];
      for (let j = 0; j < perLane; j++) {
        for (let l = 0; l < lanes; l++) {
          // Every third job also takes the next document's lane: multi-lane order across docs.
          const scopes = j % 3 === 2 ? ['a', 'b'] : ['a'];
          inputs.push(jobInput(`doc-${l}`, scopes, { id: `j-${l}-${j}` }));
        }
      }
      await a.queue.enqueueMany(inputs);
      const done = new Map<string, string[]>();
      const running = new Set<string>();
      let turn = 0;
      for (let guard = 0; guard < 1_000; guard++) {
        const queue = turn++ % 2 === 0 ? a.queue : b.queue;
        const claims = await queue.claim(`r${turn % 2}`, 7);
        for (const claim of claims) {
          const doc = claim.job.documentId;
          expect(running.has(doc), `two running jobs on ${doc}`).toBe(false);
          running.add(doc);
        }
        // Complete half of them through the other connection.
        for (const [i, claim] of claims.entries()) {
          const finisher = i % 2 === 0 ? a.queue : b.queue;
          await finisher.complete(ref(claim), claim.job.attempts);
          running.delete(claim.job.documentId);
          done.set(claim.job.documentId, [...(done.get(claim.job.documentId) ?? []), claim.job.id]);
        }
        if ((await a.queue.backlog()) === 0) break;
      }
      expect(await b.queue.counts()).toEqual({
        pending: 0,
        running: 0,
        completed: lanes * perLane,
        failed: 0,
      });
      for (let l = 0; l < lanes; l++) {
        expect(done.get(`doc-${l}`)).toEqual(
          Array.from({ length: perLane }, (_, j) => `j-${l}-${j}`),
        );
      }
      expect(laneBookkeepingErrors(inspect())).toEqual([]);
    });

    it('never hand the same job to both, claim after claim', async () => {
      const a = open();
      const b = open();
      await a.queue.enqueueMany(
        Array.from({ length: 50 }, (_, i) => jobInput(`doc-${i}`, ['a'], { id: `j${i}` })),
      );
      const fromA = await a.queue.claim('ra', 30);
      const fromB = await b.queue.claim('rb', 30);
      expect(fromA).toHaveLength(30);
      expect(fromB).toHaveLength(20);
      expect(new Set([...ids(fromA), ...ids(fromB)]).size).toBe(50);
      // B cannot finish A's claims.
      await expect(b.queue.complete({ ...ref(fromA[0] as Claim), token: 'x' }, 1)).rejects.toThrow(
        StaleClaimError,
      );
      await b.queue.complete(ref(fromA[0] as Claim), 1); // the token is what counts
    });
  });

  describe('claim', () => {
    it('accepts any limit ≥ 1, Infinity included', async () => {
      const storage = open();
      await storage.queue.enqueueMany(
        Array.from({ length: 3 }, (_, i) => jobInput(`doc-${i}`, ['a'])),
      );
      expect(await storage.queue.claim('r', 1.5)).toHaveLength(1);
      expect(await storage.queue.claim('r', Number.POSITIVE_INFINITY)).toHaveLength(2);
    });
  });

  describe('group commit', () => {
    it('commits the writes of one tick together, failing only the write that throws', async () => {
      const storage = open();
      await storage.queue.enqueueMany([
        jobInput('doc-1', ['a'], { id: 'one' }),
        jobInput('doc-2', ['a'], { id: 'two' }),
      ]);
      const claims = await storage.queue.claim('r', 10);
      const db = inspect();
      const changes = () => db.pragma('data_version', { simple: true }) as number;
      const before = changes();

      const outcomes = await Promise.allSettled([
        storage.queue.complete(ref(claims[0] as Claim), 1),
        storage.queue.complete({ jobId: 'two', token: 'not-the-token' }, 1),
        storage.store.append({
          documentId: 'doc-1',
          branch: 'main',
          lanes: [{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }],
        }),
        storage.store.append({
          documentId: 'doc-2',
          branch: 'main',
          lanes: [{ scope: 'a', expectedHead: 3, operations: makeOperations('a', 4, 1) }],
        }),
      ]);

      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
        'rejected',
      ]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(StaleClaimError);
      expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(WriteConflictError);
      expect(changes()).toBe(before + 1); // one commit
      expect(await storage.queue.get('one')).toMatchObject({ status: JobStatus.COMPLETED });
      expect(await storage.queue.get('two')).toMatchObject({ status: JobStatus.RUNNING });
      expect(await storage.store.getHead('doc-1', 'a', 'main')).toBe(0);
      expect(await storage.store.getHead('doc-2', 'a', 'main')).toBe(-1);
      expect(laneBookkeepingErrors(db)).toEqual([]);
    });

    it('fails every write of the tick, writing nothing, when the transaction cannot start', async () => {
      const storage = open({ busyTimeout: 0 });
      await storage.queue.enqueueMany([
        jobInput('doc-1', ['a'], { id: 'one' }),
        jobInput('doc-1', ['a'], { id: 'two' }),
      ]);
      const [claim] = await storage.queue.claim('r', 10);
      const db = inspect();
      db.exec('BEGIN IMMEDIATE'); // another connection holds the write lock
      const outcomes = await Promise.allSettled([
        storage.queue.complete(ref(claim as Claim), 1),
        storage.queue.claimLane('r', { documentId: 'doc-1', scope: 'a', branch: 'main' }),
      ]);
      db.exec('COMMIT');
      for (const outcome of outcomes) {
        expect((outcome as PromiseRejectedResult).reason?.code).toBe('SQLITE_BUSY');
      }
      expect(await storage.queue.get('one')).toMatchObject({ status: JobStatus.RUNNING });
    });
  });

  describe('change polling', () => {
    it('publishes jobAvailable when another connection committed, not for its own commits', async () => {
      const a = open({ pollInterval: 50 });
      const b = open();
      await a.start?.();
      const seen = countAvailable(a.bus);
      await a.queue.enqueue(jobInput('doc-1', ['a']));
      expect(seen.count).toBe(1); // the enqueue's own event
      clock.increment(50);
      expect(seen.count).toBe(1); // its own commit is not a change from elsewhere
      await b.queue.enqueue(jobInput('doc-2', ['a']));
      clock.increment(49);
      expect(seen.count).toBe(1);
      clock.increment(1);
      expect(seen.count).toBe(2);
      clock.increment(500);
      expect(seen.count).toBe(2); // nothing new
      // A claim that finds nothing writes nothing: idle runners do not wake each other up.
      await b.queue.claim('rb', 10);
      expect(await b.queue.claim('rb', 10)).toEqual([]);
      clock.increment(50);
      expect(seen.count).toBe(3); // the first claim did change something
      await b.queue.claim('rb', 10);
      await b.queue.nextRunAt();
      clock.increment(500);
      expect(seen.count).toBe(3);
      await a.close();
      await b.queue.enqueue(jobInput('doc-3', ['a']));
      clock.increment(500);
      expect(seen.count).toBe(3); // closed: polling stopped
    });
  });

  describe('heartbeats and the reaper', () => {
    const options = { heartbeatInterval: 1_000, stalledThreshold: 5_000, reapInterval: 2_000 };

    it('return a stalled claim to pending in its place; the stalled runner is refused', async () => {
      const dead = open(options, 'dead');
      const live = open(options, 'live');
      await dead.queue.enqueueMany([
        jobInput('doc-1', ['a'], { id: 'first' }),
        jobInput('doc-1', ['a'], { id: 'second' }),
        jobInput('doc-2', ['a'], { id: 'other' }),
      ]);
      const [stalled] = await dead.queue.claim('dead', 1);
      expect(stalled?.job.id).toBe('first');

      clock.increment(5_000);
      expect(await live.reaper.reap()).toBe(0); // not older than the threshold yet
      clock.increment(1);
      const available = countAvailable(live.bus);
      expect(await live.reaper.reap()).toBe(1);
      expect(available.count).toBe(1);
      expect(await live.queue.get('first')).toMatchObject({
        status: JobStatus.PENDING,
        attempts: 1,
      });

      // The dead runner's late calls change nothing.
      const db = inspect();
      const before = db.prepare("SELECT * FROM jobs WHERE id = 'first'").get();
      await expect(dead.queue.complete(ref(stalled as Claim), 1)).rejects.toThrow(StaleClaimError);
      await expect(dead.queue.release(ref(stalled as Claim), 1)).rejects.toThrow(StaleClaimError);
      await expect(
        dead.queue.fail(ref(stalled as Claim), { attempts: 1, errorCode: 1, errorMessage: 'x' }),
      ).rejects.toThrow(StaleClaimError);
      await expect(
        dead.store.append({
          documentId: 'doc-1',
          branch: 'main',
          lanes: [{ scope: 'a', expectedHead: -1, operations: makeOperations('a', 0, 1) }],
          claim: ref(stalled as Claim),
        }),
      ).rejects.toThrow(StaleClaimError);
      expect(dead.queue.heartbeat()).toBe(0);
      expect(dead.queue.liveClaims).toBe(0);
      expect(db.prepare("SELECT * FROM jobs WHERE id = 'first'").get()).toEqual(before);
      expect(await live.store.getHead('doc-1', 'a', 'main')).toBe(-1);

      // It kept its place: it runs again before the job behind it, with its attempt counted.
      const again = await live.queue.claim('live', 10);
      expect(ids(again)).toEqual(['first', 'other']);
      expect(again[0]?.job.attempts).toBe(2);
      expect(laneBookkeepingErrors(db)).toEqual([]);
    });

    it('return a stalled flagged claim to pending whatever its attempts (its write may be stored)', async () => {
      const dead = open({ ...options, maxRetries: 0 }, 'dead');
      await dead.queue.enqueueMany([
        jobInput('doc-1', ['a'], { id: 'flagged' }),
        jobInput('doc-1', ['a'], { id: 'behind' }),
      ]);
      const [first] = await dead.queue.claim('dead', 1);
      await dead.queue.release(ref(first as Claim), 1, { outcomeUnknown: true });
      const [again] = await dead.queue.claim('dead', 1);
      expect(again?.job).toMatchObject({ id: 'flagged', attempts: 2, outcomeUnknown: true });
      clock.increment(5_001);
      expect(await dead.reaper.reap()).toBe(1); // attempt 2 of 1, flagged → pending
      expect(await dead.queue.get('flagged')).toMatchObject({
        status: JobStatus.PENDING,
        attempts: 2,
        outcomeUnknown: true,
      });
      const [third] = await dead.queue.claim('dead', 10);
      expect(third?.job).toMatchObject({ id: 'flagged', attempts: 3, outcomeUnknown: true });
      await dead.queue.complete(ref(third as Claim), 3);
      expect((await dead.queue.get('flagged'))?.outcomeUnknown).toBeUndefined();
      expect(ids(await dead.queue.claim('dead', 10))).toEqual(['behind']);
      expect(laneBookkeepingErrors(inspect())).toEqual([]);
    });

    it('fail a stalled claim that used its attempts, freeing its lanes', async () => {
      const dead = open({ ...options, maxRetries: 1 }, 'dead');
      await dead.queue.enqueueMany([
        jobInput('doc-1', ['a', 'b'], { id: 'once', maxRetries: 0 }),
        jobInput('doc-1', ['b'], { id: 'twice' }), // maxRetries from the option: 1
        jobInput('doc-1', ['a'], { id: 'behind' }),
      ]);
      await dead.queue.claim('dead', 1);
      clock.increment(5_001);
      expect(await dead.reaper.reap()).toBe(1);
      expect(await dead.queue.get('once')).toMatchObject({
        status: JobStatus.FAILED,
        attempts: 1,
        finishedAt: T0 + 5_001,
        lastError: { code: JobErrorCodes.TIMEOUT },
      });
      expect((await dead.queue.get('once'))?.lastError?.message).toMatch(/Stalled: runner dead/);

      const next = await dead.queue.claim('dead', 10);
      expect(ids(next)).toEqual(['twice', 'behind']);
      await dead.queue.complete(ref(next[1] as Claim), 1);
      clock.increment(5_001);
      expect(await dead.reaper.reap()).toBe(1); // 'twice': attempt 1 of 2 → pending
      expect(await dead.queue.get('twice')).toMatchObject({ status: JobStatus.PENDING });
      await dead.queue.claim('dead', 10);
      clock.increment(5_001);
      expect(await dead.reaper.reap()).toBe(1); // attempt 2 of 2 → failed
      expect(await dead.queue.get('twice')).toMatchObject({
        status: JobStatus.FAILED,
        attempts: 2,
      });
      expect(await dead.queue.counts()).toEqual({
        pending: 0,
        running: 0,
        completed: 1,
        failed: 2,
      });
      expect(laneBookkeepingErrors(inspect())).toEqual([]);
    });

    it('handle at most maxReapBatch claims per run, longest silent first', async () => {
      const storage = open({ ...options, maxReapBatch: 2 });
      await storage.queue.enqueueMany(
        Array.from({ length: 3 }, (_, i) => jobInput(`doc-${i}`, ['a'], { id: `j${i}` })),
      );
      await storage.queue.claim('r', 1);
      clock.increment(10);
      await storage.queue.claim('r', 2);
      clock.increment(6_000);
      expect(await storage.reaper.reap()).toBe(2);
      expect((await storage.queue.get('j0'))?.status).toBe(JobStatus.PENDING);
      expect(await storage.reaper.reap()).toBe(1);
      expect(await storage.reaper.reap()).toBe(0);
    });

    it('keep the claims of a started storage alive while another runner is reaped', async () => {
      const live = open(options, 'live');
      const dead = open(options, 'dead');
      await live.queue.enqueueMany([
        jobInput('doc-1', ['a'], { id: 'held-by-live' }),
        jobInput('doc-2', ['a'], { id: 'held-by-dead' }),
      ]);
      expect(ids(await live.queue.claim('live', 1))).toEqual(['held-by-live']);
      expect(ids(await dead.queue.claim('dead', 1))).toEqual(['held-by-dead']);
      await live.start?.(); // heartbeats every second, reaper every 2 s

      const db = inspect();
      const heartbeat = (id: string) =>
        db.prepare('SELECT heartbeat_at FROM jobs WHERE id = ?').pluck().get(id);
      clock.increment(1_000);
      expect(heartbeat('held-by-live')).toBe(T0 + 1_000);
      expect(heartbeat('held-by-dead')).toBe(T0);

      clock.increment(5_000); // the reaper runs at T0 + 6 s: dead is 6 s silent, live 0 s
      expect(await live.queue.get('held-by-dead')).toMatchObject({ status: JobStatus.PENDING });
      expect(await live.queue.get('held-by-live')).toMatchObject({ status: JobStatus.RUNNING });
      clock.increment(60_000);
      expect(await live.queue.get('held-by-live')).toMatchObject({ status: JobStatus.RUNNING });
      expect(live.queue.liveClaims).toBe(1);
      await live.close();
    });

    it('stop beating for a claim whose completion failed, so the reaper recovers it', async () => {
      const storage = open({ ...options, busyTimeout: 0 });
      await storage.queue.enqueue(jobInput('doc-1', ['a'], { id: 'job' }));
      const [claim] = await storage.queue.claim('r', 1);
      const db = inspect();
      db.exec('BEGIN IMMEDIATE'); // another connection holds the write lock
      const error = await storage.queue.complete(ref(claim as Claim), 1).catch((e: unknown) => e);
      db.exec('COMMIT');
      expect((error as { code?: string }).code).toBe('SQLITE_BUSY');
      expect(storage.queue.heartbeat()).toBe(0);
      expect(await storage.queue.get('job')).toMatchObject({ status: JobStatus.RUNNING });
      clock.increment(5_001);
      expect(await storage.reaper.reap()).toBe(1);
      expect(ids(await storage.queue.claim('r', 1))).toEqual(['job']);
    });

    it('report background errors to onError and keep going', async () => {
      const errors: unknown[] = [];
      const db = inspect();
      // Another connection holds the write lock past the busy timeout: heartbeats fail with BUSY.
      const blocked = open({ ...options, busyTimeout: 0, onError: (e) => errors.push(e) });
      await blocked.queue.enqueue(jobInput('doc-1', ['a']));
      await blocked.queue.claim('r', 1);
      await blocked.start?.();
      db.exec('BEGIN IMMEDIATE');
      clock.increment(1_000);
      db.exec('COMMIT');
      expect(errors.some((e) => (e as { code?: string }).code === 'SQLITE_BUSY')).toBe(true);
      const count = errors.length;
      clock.increment(1_000);
      expect(errors.length).toBe(count); // beats again once the lock is gone
    });
  });

  describe('append with a claim', () => {
    async function claimFirst(storage: SqliteStorage): Promise<Claim> {
      await storage.queue.enqueueMany([
        jobInput('doc-1', ['a', 'b'], { id: 'job' }),
        jobInput('doc-1', ['a'], { id: 'next' }),
      ]);
      const [claim] = await storage.queue.claim('r', 10);
      expect(claim?.job.id).toBe('job');
      return claim as Claim;
    }

    const write = (claim: ClaimRef, aHead = -1) => ({
      documentId: 'doc-1',
      branch: 'main',
      lanes: [
        { scope: 'a', expectedHead: aHead, operations: makeOperations('a', aHead + 1, 2) },
        {
          scope: 'b',
          expectedHead: -1,
          operations: makeOperations('b', 0, 1),
          snapshot: { state: { b: 1 }, hash: 'hb' },
        },
      ],
      claim,
    });

    it('writes the operations and completes the job in one commit', async () => {
      const storage = open();
      const claim = await claimFirst(storage);
      clock.increment(30);
      const result = await storage.store.append(write(ref(claim)));
      expect(result.replayed).toBe(false);
      expect(await storage.queue.get('job')).toMatchObject({
        status: JobStatus.COMPLETED,
        attempts: 1,
        finishedAt: T0 + 30,
      });
      expect(await storage.store.getHead('doc-1', 'a', 'main')).toBe(1);
      expect(ids(await storage.queue.claim('r', 10))).toEqual(['next']);

      // The runtime's complete with the same token: a no-op success, as often as it is repeated.
      const before = await storage.queue.get('job');
      await storage.queue.complete(ref(claim), 1);
      await storage.queue.complete(ref(claim), 1);
      expect(await storage.queue.get('job')).toEqual(before);
      await expect(storage.queue.release(ref(claim), 1)).rejects.toThrow(StaleClaimError);
      expect(laneBookkeepingErrors(inspect())).toEqual([]);
    });

    it('clears the outcomeUnknown flag of the job it completes', async () => {
      const storage = open();
      const first = await claimFirst(storage);
      await storage.queue.release(ref(first), 1, { outcomeUnknown: true });
      const [claim] = await storage.queue.claim('r', 1);
      expect(claim?.job).toMatchObject({ id: 'job', outcomeUnknown: true });
      await storage.store.append(write(ref(claim as Claim)));
      const completed = await storage.queue.get('job');
      expect(completed?.status).toBe(JobStatus.COMPLETED);
      expect(completed?.outcomeUnknown).toBeUndefined();
    });

    it('refuses fail and release after the append completed the claim', async () => {
      const storage = open();
      const claim = await claimFirst(storage);
      await storage.store.append(write(ref(claim)));
      await expect(storage.queue.release(ref(claim), 1)).rejects.toThrow(StaleClaimError);
      await expect(
        storage.queue.fail(ref(claim), { attempts: 1, errorCode: 1, errorMessage: 'x' }),
      ).rejects.toThrow(StaleClaimError);
      expect((await storage.queue.get('job'))?.status).toBe(JobStatus.COMPLETED);
    });

    it('writes nothing and leaves the claim held on a write conflict, abort or driver error', async () => {
      const storage = open();
      const claim = await claimFirst(storage);
      await expect(storage.store.append(write(ref(claim), 0))).rejects.toThrow(WriteConflictError);

      const controller = new AbortController();
      controller.abort(new Error('timed out'));
      await expect(
        storage.store.append({ ...write(ref(claim)), signal: controller.signal }),
      ).rejects.toThrow('timed out');

      // A row the schema refuses (hash NULL): the insert of the second lane fails inside the
      // transaction, after the first lane's rows were inserted.
      const clash = write(ref(claim));
      const [bad] = clash.lanes[1]?.operations ?? [];
      clash.lanes[1] = {
        ...clash.lanes[1],
        operations: [{ ...bad, hash: null as unknown as string }],
      } as (typeof clash.lanes)[1];
      const error = await storage.store.append(clash).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);

      expect(await storage.store.getHead('doc-1', 'a', 'main')).toBe(-1);
      expect(await storage.store.getHead('doc-1', 'b', 'main')).toBe(-1);
      expect(await storage.store.getSnapshot('doc-1', 'b', 'main')).toBeUndefined();
      expect(await storage.queue.get('job')).toMatchObject({ status: JobStatus.RUNNING });
      await storage.store.append(write(ref(claim))); // the claim still works
      expect((await storage.queue.get('job'))?.status).toBe(JobStatus.COMPLETED);
    });

    it('refuses a stale claim before writing anything', async () => {
      const storage = open();
      const claim = await claimFirst(storage);
      await storage.queue.release(ref(claim), 0);
      await expect(storage.store.append(write(ref(claim)))).rejects.toThrow(StaleClaimError);
      expect(await storage.store.getHead('doc-1', 'a', 'main')).toBe(-1);
      expect(await storage.queue.get('job')).toMatchObject({ status: JobStatus.PENDING });
    });

    it('completes the claim of a replay (the operations were written before a crash)', async () => {
      const storage = open();
      const claim = await claimFirst(storage);
      const { claim: _, ...withoutClaim } = write(ref(claim));
      const first = await storage.store.append(withoutClaim);
      const replay = await storage.store.append(write(ref(claim)));
      expect(replay).toEqual({ operations: first.operations, replayed: true });
      expect((await storage.queue.get('job'))?.status).toBe(JobStatus.COMPLETED);
    });
  });

  describe('serialisation', () => {
    it('rejects job data that is not JSON data, naming the field inside it', async () => {
      const storage = open();
      const error = await storage.queue
        .enqueue(jobInput('doc-1', ['a'], { meta: { big: 1n } }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(JobValidationError);
      expect((error as JobValidationError).field).toBe('meta.big');
      expect(await storage.queue.backlog()).toBe(0);
    });

    it('returns fresh copies of operations and snapshots', async () => {
      const storage = open();
      const [operation] = makeOperations('a', 0, 1);
      await storage.store.append({
        documentId: 'doc-1',
        branch: 'main',
        lanes: [
          {
            scope: 'a',
            expectedHead: -1,
            operations: [operation as Operation],
            snapshot: { state: { n: 1 }, hash: 'h' },
          },
        ],
      });
      const snapshot = await storage.store.getSnapshot('doc-1', 'a', 'main');
      (snapshot?.state as { n: number }).n = 99;
      expect((await storage.store.getSnapshot('doc-1', 'a', 'main'))?.state).toEqual({ n: 1 });
    });
  });
});
