/**
 * The operator commands: status, lanes, job, retry, skip, migrate and dashboard on a durable
 * storage (README: Dashboard). `runOperator` returns the exit code.
 * @module
 */

import type { LanesPage, QueueOverview } from '../adapters/lanes-view.js';
import type { IQueue } from '../adapters/ports.js';
import { jobDetail } from '../dashboard/job-detail.js';
import { JobValidationError } from '../errors.js';
import { openOperatorStorage } from './open-operator-storage.js';
import type { OperatorArgs, OperatorCommand } from './operator-args.js';
import { OPERATOR_USAGE } from './operator-args.js';
import { jobText, lanesText, statusText } from './operator-output.js';

export type OperatorIo = {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  now(): number;
  /** Resolves when the dashboard should stop (Ctrl-C). */
  interrupted?: Promise<void>;
};

/** Runs one parsed command; returns the exit code. */
export async function runOperator(args: OperatorArgs, io: OperatorIo): Promise<number> {
  if (args.help) {
    io.stdout.write(`${OPERATOR_USAGE}\n`);
    return 0;
  }
  const { command, json } = args;
  const creates = command.name === 'migrate' || command.name === 'dashboard';
  const { storage, label } = await openOperatorStorage(args.storage, creates);
  const print = (value: unknown, text: () => string) =>
    io.stdout.write(`${json ? JSON.stringify(value) : text()}\n`);
  const fail = (message: string) => {
    if (json) io.stdout.write(`${JSON.stringify({ error: message })}\n`);
    io.stderr.write(`seriatim: ${message}\n`);
    return 1;
  };
  try {
    const { queue, store } = storage;
    switch (command.name) {
      case 'status': {
        const overview = await overviewOf(queue);
        const blocked = await queue.blockedLanes();
        print({ storage: label, ...overview, blocked }, () =>
          statusText(label, overview, blocked, io.now()),
        );
        return 0;
      }
      case 'lanes': {
        const page = await lanesOf(queue, command);
        print(page, () => lanesText(page, io.now()));
        return 0;
      }
      case 'job': {
        const detail = await jobDetail(queue, store, command.jobId);
        if (!detail) return fail(`no job with id ${JSON.stringify(command.jobId)}`);
        print(detail, () => jobText(detail));
        return 0;
      }
      case 'retry':
      case 'skip': {
        try {
          await (command.name === 'retry' ? queue.retry(command.jobId) : queue.skip(command.jobId));
        } catch (error) {
          if (error instanceof JobValidationError) return fail(error.message);
          throw error;
        }
        const verb = command.name === 'retry' ? 'back to pending, in its place' : 'skipped';
        print({ jobId: command.jobId, done: command.name }, () => `job ${command.jobId}: ${verb}`);
        return 0;
      }
      case 'migrate':
        print({ storage: label, migrated: true }, () => `${label}: schema up to date`);
        return 0;
      case 'dashboard': {
        const { serveDashboard } = await import('../dashboard/server.js');
        const dashboard = await serveDashboard(
          { queue, store },
          {
            host: command.host,
            port: command.port,
            ...(command.allowWrites ? { writes: { token: command.token } } : {}),
          },
        );
        print({ url: dashboard.url, token: dashboard.token }, () =>
          [
            `dashboard of ${label} on ${dashboard.pageUrl}`,
            dashboard.token ? 'retry and skip enabled (the token is in the link)' : 'read-only',
            'Ctrl-C to stop',
          ].join('\n'),
        );
        await (io.interrupted ?? new Promise<void>(() => {}));
        await dashboard.close();
        return 0;
      }
    }
  } finally {
    await storage.close();
  }
}

async function overviewOf(queue: IQueue): Promise<QueueOverview> {
  if (!queue.overview) throw new Error('this queue has no operations view (overview)');
  return queue.overview();
}

async function lanesOf(
  queue: IQueue,
  command: Extract<OperatorCommand, { name: 'lanes' }>,
): Promise<LanesPage> {
  if (!queue.lanes) throw new Error('this queue has no operations view (lanes)');
  return queue.lanes({ offset: command.offset, limit: command.limit, blocked: command.blocked });
}
