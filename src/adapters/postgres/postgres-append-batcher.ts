/**
 * Group commit for `store.append`: the appends of one tick become one statement, each still
 * atomic and fenced on its own.
 * @module
 */
import type { Pool } from 'pg';
import { StaleClaimError, WriteConflictError } from '../../errors.js';
import { laneKey } from '../../lane-key.js';
import type { Operation } from '../../types.js';
import type { AppendClaim, AppendRequest, AppendResult, LaneWrite } from '../ports.js';
import { isClaimToken } from './job-row.js';
import { TickBatcher, takeUpTo } from './postgres-tick-batcher.js';
import { appendOperations } from './statements/append-operations.js';
import { run } from './statements/statement.js';

/** What {@link PostgresAppendBatcher} needs from its store. */
export type PostgresAppendBatcherOptions = {
  pool: Pool;
  ready: () => Promise<void>;
  /** Maps a driver error of a request written alone (unique violations) to the port's errors. */
  mapError: (error: unknown, request: AppendRequest) => unknown;
  /** Time of `finishedAt` when an append completes its claim. */
  now: () => number;
  /** NOTIFY channel and payload, for jobs made ready by a claim an append completed. */
  channel: string;
  origin: string;
  /** A request's claim was completed by its committed append (the queue answers `complete`). */
  onClaimCompleted?: (
    claim: AppendClaim,
  ) => void /** Receives a batch's error that no call could be told of (see `TickBatcher`). */;
  onError?: (error: unknown) => void;
};

/** One `append` call waiting for its batch. */
type Pending = {
  request: AppendRequest;
  /** Lane keys (see `laneKey`): a batch never holds one twice. */
  keys: string[];
  /** Why the request is malformed on its own (a scope twice, a gap in indexes, an id twice). */
  malformed: string | undefined;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
};

type Verdict = {
  request: number;
  verdict: 'stale' | 'written' | 'replayed' | 'conflict' | 'malformed' | 'unwritten';
  detail: unknown;
};

/** Most requests in one statement. */
const MAX_BATCH = 200;
/** Most lanes in one statement (each is an advisory lock held until commit). */
const MAX_BATCH_LANES = 1_000;
/**
 * Append batches in flight at once. Two split a tick's appends over two connections: the server
 * writes them on both cores, and the process handles the first answer while the second is being
 * written. Measured on P4 (a fresh server per run, loaded 2-core machine), jobs/s: 1 batch
 * 1,775 / 2,159, 2 batches 3,429 / 2,938; lane claims stay one at a time (2: 3,046 / 2,524,
 * more server CPU per job: concurrent batches contend for the same index pages). Ends of claims
 * are off P4's path (its appends complete the claims) but on the path of handler jobs: two
 * batches there too (`FINISH_PARALLEL`).
 */
const APPEND_PARALLEL = 2;

/**
 * Batches appends ({@link TickBatcher}): calls made in one tick are flushed in a microtask as one
 * call of the function `append_operations` (two calls on two connections when enough wait, see
 * `APPEND_PARALLEL`), and while batches are being written, new calls gather for the next ones,
 * so batches grow with the load. A
 * request that shares a lane or an operation id with one already in the batch waits for the next
 * batch, so the requests of a batch are independent: the function locks all their lanes, then
 * judges each on its own exactly as a single append does (replay, expected heads, ids stored
 * elsewhere) and writes those that pass. Each call gets its own outcome. A request whose signal
 * is aborted when its batch is sent is left out and rejected with the signal's reason.
 *
 * If a batch of several requests fails as a whole (an error no verdict explains), each of its
 * requests is written again alone, so one request cannot fail the others.
 */
export class PostgresAppendBatcher {
  readonly #options: PostgresAppendBatcherOptions;
  readonly #batcher: TickBatcher<Pending>;

  constructor(options: PostgresAppendBatcherOptions) {
    this.#options = options;
    this.#batcher = new TickBatcher({
      onError: options.onError,
      take: (waiting, limit) => {
        const taken = new Set<string>();
        let lanes = 0;
        return takeUpTo(
          waiting,
          Math.min(limit, MAX_BATCH),
          (item) =>
            lanes + item.request.lanes.length <= MAX_BATCH_LANES &&
            !item.keys.some((key) => taken.has(key)),
          (item) => {
            for (const key of item.keys) taken.add(key);
            lanes += item.request.lanes.length;
          },
        );
      },
      write: (batch) => this.#write(batch),
      parallel: APPEND_PARALLEL,
    });
  }

  /** Appends `request` with the batch of this tick. */
  append(request: AppendRequest): Promise<AppendResult> {
    const { documentId, branch, lanes } = request;
    // Operation ids are unique per lane, so requests on different lanes never clash on one.
    const keys = lanes.map((lane) => laneKey(documentId, lane.scope, branch));
    const malformed = shapeError(lanes);
    // Not a token this storage hands out (a uuid): no job holds it.
    if (request.claim !== undefined && !isClaimToken(request.claim.token)) {
      return Promise.reject(new StaleClaimError(request.claim.jobId));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.#batcher.add({ request, keys, malformed, resolve, reject });
    });
  }

  /** Resolves once every call made so far is answered. */
  drain(): Promise<void> {
    return this.#batcher.drain();
  }

  /** Writes one batch and answers each of its calls. */
  async #write(items: Pending[]): Promise<void> {
    const batch: Pending[] = [];
    for (const item of items) {
      const { signal } = item.request;
      if (signal?.aborted) item.reject(signal.reason);
      else batch.push(item);
    }
    if (batch.length === 0) return;
    let verdicts: Verdict[];
    try {
      await this.#options.ready();
      verdicts = await run<Verdict>(
        this.#options.pool,
        appendOperations,
        columns(batch, this.#options),
      );
    } catch (error) {
      if (batch.length === 1) {
        const [item] = batch as [Pending];
        item.reject(this.#options.mapError(error, item.request));
      } else {
        await Promise.all(batch.map((item) => this.#write([item])));
      }
      return;
    }
    for (const { request: position, verdict, detail } of verdicts) {
      const item = batch[position - 1];
      if (item === undefined) continue;
      try {
        const result = outcome(item, verdict, detail);
        const { claim } = item.request;
        if (claim !== undefined) this.#options.onClaimCompleted?.(claim);
        item.resolve(result);
      } catch (error) {
        item.reject(error);
      }
    }
  }
}

/** The statement's arrays for a batch (see `append-operations.ts`). */
function columns(
  batch: Pending[],
  options: Pick<PostgresAppendBatcherOptions, 'now' | 'channel' | 'origin'>,
): unknown[] {
  const documents: string[] = [];
  const branches: string[] = [];
  const writes: boolean[] = [];
  const laneRequests: number[] = [];
  const laneScopes: string[] = [];
  const expected: number[] = [];
  const snapshotIdx: (number | null)[] = [];
  const states: (string | null)[] = [];
  const hashes: (string | null)[] = [];
  const opRequests: number[] = [];
  const opScopes: string[] = [];
  const indexes: number[] = [];
  const ids: string[] = [];
  const skips: number[] = [];
  const opHashes: string[] = [];
  const timestamps: string[] = [];
  const actions: string[] = [];
  const errors: (string | null)[] = [];
  const claimIds: (string | null)[] = [];
  const claimTokens: (string | null)[] = [];
  const claimAttempts: (number | null)[] = [];
  batch.forEach(({ request, malformed }, i) => {
    const position = i + 1;
    claimIds.push(request.claim?.jobId ?? null);
    claimTokens.push(request.claim?.token ?? null);
    claimAttempts.push(request.claim?.attempts ?? null);
    documents.push(request.documentId);
    branches.push(request.branch);
    writes.push(malformed === undefined);
    for (const lane of request.lanes) {
      const head = lane.expectedHead + lane.operations.length;
      const snapshot = lane.snapshot !== undefined && head >= 0 ? lane.snapshot : undefined;
      laneRequests.push(position);
      laneScopes.push(lane.scope);
      expected.push(lane.expectedHead);
      snapshotIdx.push(snapshot === undefined ? null : head);
      states.push(snapshot === undefined ? null : (JSON.stringify(snapshot.state) ?? null));
      hashes.push(snapshot === undefined ? null : snapshot.hash);
      for (const operation of lane.operations) {
        opRequests.push(position);
        opScopes.push(lane.scope);
        indexes.push(operation.index);
        ids.push(operation.id);
        skips.push(operation.skip);
        opHashes.push(operation.hash);
        timestamps.push(operation.timestampUtcMs);
        actions.push(JSON.stringify(operation.action));
        errors.push(operation.error ?? null);
      }
    }
  });
  return [
    documents,
    branches,
    writes,
    laneRequests,
    laneScopes,
    expected,
    snapshotIdx,
    states,
    hashes,
    opRequests,
    opScopes,
    indexes,
    ids,
    skips,
    opHashes,
    timestamps,
    actions,
    errors,
    claimIds,
    claimTokens,
    claimAttempts,
    options.now(),
    options.channel,
    options.origin,
  ];
}

/** The result of one request from its verdict; throws the port's error for a refused one. */
function outcome(item: Pending, verdict: Verdict['verdict'], detail: unknown): AppendResult {
  const { documentId, branch, lanes } = item.request;
  const operations = lanes.flatMap((lane) => lane.operations);
  switch (verdict) {
    case 'stale':
      throw new StaleClaimError((item.request.claim as AppendClaim).jobId);
    case 'written':
      return { operations, replayed: false };
    case 'replayed':
      // The stored operations in the order of the request's (ids repeat across lanes).
      return { operations: detail as Operation[], replayed: true };
    case 'conflict': {
      const heads = detail as number[];
      const i = lanes.findIndex((lane, j) => heads[j] !== lane.expectedHead);
      const lane = lanes[i] as LaneWrite;
      throw new WriteConflictError(
        `${documentId}:${lane.scope}:${branch}`,
        lane.expectedHead,
        heads[i] as number,
      );
    }
    case 'malformed':
      throw new Error(
        item.malformed ??
          `Malformed append: operation id ${(detail as string[])[0]} is already stored`,
      );
    default:
      throw new Error(item.malformed ?? 'Malformed append');
  }
}

/**
 * What makes a request malformed on its own, whatever is stored: a scope twice, an operation
 * whose index does not follow its lane's expected head, an operation id twice.
 */
function shapeError(lanes: LaneWrite[]): string | undefined {
  if (new Set(lanes.map((lane) => lane.scope)).size !== lanes.length) {
    return 'Malformed append: a scope appears twice in `lanes`';
  }
  for (const lane of lanes) {
    const seen = new Set<string>();
    for (let i = 0; i < lane.operations.length; i++) {
      const operation = lane.operations[i] as Operation;
      const expected = lane.expectedHead + 1 + i;
      if (operation.index !== expected) {
        return `Malformed append: operation ${operation.id} of scope ${lane.scope} has index ${operation.index}, expected ${expected}`;
      }
      if (seen.has(operation.id)) {
        return `Malformed append: operation id ${operation.id} is already stored in scope ${lane.scope}`;
      }
      seen.add(operation.id);
    }
  }
  return undefined;
}
