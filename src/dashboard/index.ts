/**
 * `seriatim/dashboard`: the lanes dashboard, served by seriatim itself on 127.0.0.1 (README:
 * Dashboard). `startDashboard(reactor)` for a running reactor, `serveDashboard({ queue, store })`
 * for any storage; `createLaneStates()` shows the lane machines' live states.
 * @module
 */
export type {
  LaneHead,
  LaneSummary,
  LanesPage,
  LanesQuery,
  OldestPending,
  QueueOverview,
} from '../adapters/lanes-view.js';
export { type JobDetail, jobDetail } from './job-detail.js';
export {
  createLaneStates,
  type LaneMachineStep,
  type LaneMachineView,
  type LaneStates,
  type LaneStatesOptions,
} from './lane-states.js';
export type { BackingOff, DashboardSample, SamplePoint } from './sampler.js';
export {
  type Dashboard,
  type DashboardOptions,
  type DashboardSource,
  serveDashboard,
  startDashboard,
} from './server.js';
