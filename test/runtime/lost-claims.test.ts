/**
 * Claim calls whose answer is lost after they took effect (README, Semantics: "Faults at the
 * ports"): the runtime names every `claim` and `claimLane` and reclaims a failed one, so the jobs
 * it claimed run, in lane order, instead of staying RUNNING under a claim nobody knows. Also: a
 * `watch` that looks the job up between the write of its end and its result gets the result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ClaimRequests } from '../../src/actors/claim-requests.js';
import { JobExecutorManager } from '../../src/actors/job-executor-manager.js';
import { MemoryEventBus } from '../../src/adapters/memory/memory-event-bus.js';
import { MemoryQueue } from '../../src/adapters/memory/memory-queue.js';
import type { IQueue, JobResult } from '../../src/index.js';
import { JobStatus } from '../../src/types.js';
import { advance, flush, runUntil, SimulatedClock, seededRandom } from '../support/clock.js';
import { EventMonitor } from '../support/event-monitor.js';
import { interceptQueue, type PortCall } from '../support/intercepted-ports.js';
import { jobInput } from '../support/runtime.js';
import { ScriptedExecutor } from '../support/scripted-executor.js';

const managers: JobExecutorManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.dispose();
});

function build(options: {
  /** Answers of these calls are lost after their effect (the first `times` of each). */
  lose: { method: 'claim' | 'claimLane' | 'reclaim'; times: number }[];
  withoutReclaim?: boolean;
  after?: (call: PortCall) => void | Promise<void>;
}) {
  const clock = new SimulatedClock();
  clock.set(1_700_000_000_000);
  const bus = new MemoryEventBus();
  const memory = new MemoryQueue({ bus, clock });
  const left = options.lose.map((loss) => ({ ...loss }));
  const intercepted = interceptQueue(memory, {
    async after(call) {
      await options.after?.(call);
      const loss = left.find((l) => l.method === call.method && l.times > 0);
      if (loss === undefined) return;
      loss.times -= 1;
      throw Object.assign(new Error(`answer of ${call.method} lost`), { code: 'ECONNRESET' });
    },
  });
  const queue: IQueue = options.withoutReclaim
    ? Object.assign(Object.create(intercepted) as IQueue, { reclaim: undefined })
    : intercepted;
  const errors: unknown[] = [];
  const manager = new JobExecutorManager({
    queue,
    bus,
    executor: new ScriptedExecutor(clock),
    clock,
    random: seededRandom(5),
    onError: (error) => errors.push(error),
  });
  managers.push(manager);
  return { clock, memory, manager, monitor: new EventMonitor(bus), errors };
}

const laneTrace = (monitor: EventMonitor) =>
  monitor.trace((e) => ['jobStarted', 'jobCompleted'].includes(e.name));

describe('claim answers lost after their effect', () => {
  it('a lost claim is reclaimed: its jobs run, once each, in lane order', async () => {
    const { clock, memory, manager, monitor } = build({ lose: [{ method: 'claim', times: 1 }] });
    await memory.enqueueMany([
      jobInput('j1', 'D', ['global']),
      jobInput('j2', 'E', ['global']),
      jobInput('j3', 'D', ['global']),
    ]);
    await manager.start({ maxConcurrency: 4, laneBatchSize: 1 });
    await runUntil(clock, () => monitor.count('jobCompleted') === 3);
    expect(laneTrace(monitor).filter((e) => e.endsWith('j1') || e.endsWith('j3'))).toEqual([
      'jobStarted:j1',
      'jobCompleted:j1',
      'jobStarted:j3',
      'jobCompleted:j3',
    ]);
    for (const id of ['j1', 'j2', 'j3']) {
      // Run once: the attempt the lost claim counted is the one that ran.
      expect(await memory.get(id)).toMatchObject({ status: JobStatus.COMPLETED, attempts: 1 });
    }
    await manager.stop();
  });

  it('a lost claimLane is reclaimed, also when the first reclaim loses its answer too', async () => {
    const { clock, memory, manager, monitor } = build({
      lose: [
        { method: 'claimLane', times: 1 },
        { method: 'reclaim', times: 1 },
      ],
    });
    await memory.enqueueMany([jobInput('j1', 'D', ['global']), jobInput('j2', 'D', ['global'])]);
    await manager.start({ maxConcurrency: 1 });
    await runUntil(clock, () => monitor.count('jobCompleted') === 2);
    expect(laneTrace(monitor)).toEqual([
      'jobStarted:j1',
      'jobCompleted:j1',
      'jobStarted:j2',
      'jobCompleted:j2',
    ]);
    expect(await memory.get('j2')).toMatchObject({ status: JobStatus.COMPLETED, attempts: 1 });
    await manager.stop();
  });

  it('without reclaim (a custom queue) the lost claim stays RUNNING: the gap reclaim closes', async () => {
    const { clock, memory, manager, monitor } = build({
      lose: [{ method: 'claim', times: 1 }],
      withoutReclaim: true,
    });
    await memory.enqueueMany([jobInput('j1', 'D', ['global']), jobInput('j2', 'E', ['global'])]);
    await manager.start({ maxConcurrency: 4 });
    await advance(clock, 10_000);
    expect(monitor.count('jobStarted')).toBe(0);
    expect(await memory.counts()).toMatchObject({ running: 2 });
    await manager.stop();
  });
});

describe('ClaimRequests', () => {
  it('hands out the claims of a lost call first, at most `limit`, the rest as surplus', async () => {
    const clock = new SimulatedClock();
    const memory = new MemoryQueue({ clock });
    let lose = 1;
    const queue = interceptQueue(memory, {
      after(call) {
        if (call.method === 'claim' && lose-- > 0) throw new Error('answer lost');
      },
    });
    await memory.enqueueMany([
      jobInput('j1', 'A', ['global']),
      jobInput('j2', 'B', ['global']),
      jobInput('j3', 'C', ['global']),
      jobInput('j4', 'D', ['global']),
    ]);
    const requests = new ClaimRequests(queue, 'r1');
    await expect(requests.claim(3, () => {})).rejects.toThrow('answer lost');
    expect(requests.unanswered).toBe(true);
    const surplus: string[] = [];
    const claims = await requests.claim(1, (extra) => surplus.push(...extra.map((c) => c.job.id)));
    expect(claims.map((c) => c.job.id)).toEqual(['j1']);
    expect(surplus).toEqual(['j2', 'j3']);
    expect(requests.unanswered).toBe(false);
    // The tokens are the lost claims' own: they end them.
    await memory.complete({ jobId: 'j1', token: claims[0]!.token }, 1);
    // Then new claims again.
    expect((await requests.claim(4, () => {})).map((c) => c.job.id)).toEqual(['j4']);
  });
});

describe('watch between the end of a claim and its result', () => {
  it("gets the job's own result, not one rebuilt from the queue's record", async () => {
    let watched: Promise<JobResult> | undefined;
    const { clock, manager, memory, monitor } = build({
      lose: [],
      async after(call) {
        // The queue shows j1 COMPLETED now, and the runtime has not settled its result yet: the
        // watch looks the job up before the answer of `complete` comes back.
        if (call.method !== 'complete') return;
        watched = manager.watch('j1');
        await flush();
      },
    });
    await memory.enqueue(jobInput('j1', 'D', ['global']));
    await manager.start();
    await runUntil(clock, () => monitor.count('jobCompleted') === 1);
    const result = await (watched as Promise<JobResult>);
    expect(result.success).toBe(true);
    expect(result.metadata?.fromRecord).toBeUndefined();
    await manager.stop();
  });
});
