import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import { LaneRegistry } from '../../src/actors/lane-registry.js';
import { laneMachine } from '../../src/machines/lane-machine.js';

const tick = () => new Promise<void>((resolve) => queueMicrotask(resolve));

function makeRegistry(maxResidentIdle: number, idleTimeout = 1_000) {
  const clock = new SimulatedClock();
  const registry = new LaneRegistry({
    machine: laneMachine,
    clock,
    idleTimeout,
    maxResidentIdle,
    onEmitted: () => {},
    onError: (error) => {
      throw error;
    },
  });
  /** Lanes `keys` become resident and then idle, in that order. */
  async function goIdle(...keys: string[]) {
    for (const key of keys) registry.acquire(key);
    for (const key of keys) registry.laneWentIdle(key);
    await tick();
  }
  return { clock, registry, goIdle };
}

describe('lane registry', () => {
  it('keeps at most maxResidentIdle idle lanes, stopping the least recently idle first', async () => {
    const { registry, goIdle } = makeRegistry(3);
    await goIdle('a', 'b', 'c', 'd');
    expect(registry.size).toBe(3);
    expect(registry.get('a')).toBeUndefined();
    await goIdle('b'); // b is now the most recently idle
    await goIdle('e');
    expect(registry.get('c')).toBeUndefined();
    expect(['b', 'd', 'e'].every((key) => registry.get(key) !== undefined)).toBe(true);
  });

  it('does not count or stop a lane acquired again while idle', async () => {
    const { registry, goIdle } = makeRegistry(2);
    await goIdle('a', 'b');
    const a = registry.acquire('a'); // busy again
    await goIdle('c', 'd');
    expect(registry.get('a')).toBe(a);
    expect(registry.idleCount).toBe(2);
    expect(registry.get('b')).toBeUndefined();
  });

  it('stops idle lanes after their idle period, oldest first', async () => {
    const { clock, registry, goIdle } = makeRegistry(100, 1_000);
    await goIdle('a');
    clock.increment(600);
    await goIdle('b');
    clock.increment(400);
    expect(registry.get('a')).toBeUndefined();
    expect(registry.get('b')).toBeDefined();
    clock.increment(600);
    expect(registry.size).toBe(0);
  });

  it('stays bounded over many lanes going idle and busy again', async () => {
    const { registry, goIdle } = makeRegistry(50, 1_000_000);
    for (let round = 0; round < 20; round++) {
      const keys = Array.from({ length: 500 }, (_, i) => `lane-${(round * 37 + i) % 700}`);
      await goIdle(...keys);
      expect(registry.idleCount).toBeLessThanOrEqual(50);
      expect(registry.size).toBeLessThanOrEqual(50);
    }
    registry.stopAll();
    expect(registry.size).toBe(0);
  });
});
