/**
 * Full-jitter exponential backoff (README: Semantics, "Retries"):
 * `delay = random(0, min(retryMaxDelay, retryBaseDelay * 2^attempt))`.
 *
 * @param retry 0 for the first retry, 1 for the second, …
 * @param random a source of uniform numbers in [0, 1), seeded in tests
 */
export function backoffDelay(
  retry: number,
  retryBaseDelay: number,
  retryMaxDelay: number,
  random: () => number,
): number {
  // 2^retry overflows to Infinity long before it matters; min() clamps it.
  const ceiling = Math.min(retryMaxDelay, retryBaseDelay * 2 ** retry);
  return Math.floor(random() * (ceiling + 1));
}
