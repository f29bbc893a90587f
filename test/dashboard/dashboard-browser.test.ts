/**
 * The lanes dashboard in a real headless browser (README: Dashboard): Debian's `chromium` driven
 * by playwright-core. A reactor with a halted lane; the page shows the lane blocked with its error;
 * pressing "skip" lets the lane drain, and the page shows it live. Screenshots go to
 * `test-artifacts/`. Without chromium the test is skipped loudly, except in CI where it fails
 * (`.ci/run` installs chromium).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLaneStates, startDashboard } from '../../src/dashboard/index.js';
import { counterActions, counterModel } from '../../src/examples/index.js';
import { createReactor, JobErrorCodes } from '../../src/index.js';

const CHROMIUM = process.env.SERIATIM_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

if (!hasChromium) {
  if (process.env.CI) {
    throw new Error(
      `CI: no chromium at ${CHROMIUM}; .ci/run installs it (apt-get install chromium)`,
    );
  }
  process.stderr.write(
    `\n${'!'.repeat(100)}\n!!! SKIPPING the browser test of the dashboard: no chromium at ${CHROMIUM}.\n` +
      '!!! Install it (apt-get install chromium) or set SERIATIM_CHROMIUM to a Chromium binary.\n' +
      `${'!'.repeat(100)}\n\n`,
  );
}

const increment = (documentId: string) => ({
  documentId,
  scopes: ['global'],
  actions: [counterActions.increment(1)],
});

describe.skipIf(!hasChromium)('the lanes dashboard in a headless browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the halted lane with its error; "skip" drains it', async () => {
    const laneStates = createLaneStates();
    const reactor = await createReactor({
      models: [counterModel],
      laneFailurePolicy: 'halt',
      inspect: laneStates.inspect,
    });
    await reactor.start();
    const halted = await reactor.submit(increment('ghost'));
    expect((await reactor.watch(halted.id)).errorCode).toBe(JobErrorCodes.DOCUMENT_NOT_FOUND);
    const create = await reactor.createDocument({
      documentId: 'ghost',
      documentType: counterModel.documentType,
    });
    const behind = [1, 2, 3].map(() => reactor.submit(increment('ghost')));
    const behindIds = (await Promise.all(behind)).map((job) => job.id);
    // Other lanes with work, so the page has more than the blocked one to show.
    for (const id of ['alpha', 'beta']) {
      await reactor.watch(
        (await reactor.createDocument({ documentId: id, documentType: counterModel.documentType }))
          .id,
      );
    }
    const dashboard = await startDashboard(reactor, {
      laneStates,
      writes: { token: 'e2e-token' },
      sampleInterval: 200,
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    try {
      await page.goto(dashboard.pageUrl);
      const row = page.locator('tr[data-lane="ghost/global/main"]');
      await row.waitFor();
      await page.locator('#live.on').waitFor();
      expect(await row.textContent()).toContain(`BLOCKED — ${JobErrorCodes.DOCUMENT_NOT_FOUND}`);
      expect(await row.textContent()).toContain(halted.id);
      expect(await page.locator('[data-count="blocked lanes"] b').textContent()).toBe('1');

      await row.locator('a[data-job]').click();
      await page.locator('#job-panel:not([hidden])').waitFor();
      expect(await page.locator('#job').textContent()).toContain('(halted)');
      await row.locator('button', { hasText: 'machine' }).click();
      await page.locator('#machine-panel:not([hidden]) #machine tr').first().waitFor();

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}dashboard-halted.png`, fullPage: true });

      await row.locator('button[data-action="skip"]').click();
      expect((await reactor.watch(create.id)).success).toBe(true);
      for (const id of behindIds) expect((await reactor.watch(id)).success).toBe(true);
      await page.locator('[data-count="blocked lanes"] b', { hasText: /^0$/ }).waitFor();
      await page.locator('tr[data-lane="ghost/global/main"]').waitFor({ state: 'detached' });
      await page.screenshot({ path: `${ARTIFACTS}dashboard-drained.png`, fullPage: true });
    } finally {
      await page.close();
      await dashboard.close();
      await reactor.close();
    }
  }, 60_000);
});
