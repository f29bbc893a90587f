/**
 * The bench header: what machine the figures come from. Load average is printed because other
 * work on the machine moves absolute numbers; ratios to a same-run baseline move much less.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

export type MachineInfo = {
  cores: number;
  cpu: string;
  node: string;
  xstate: string;
  platform: string;
  loadAverage: number[];
};

export function machineInfo(): MachineInfo {
  const require = createRequire(import.meta.url);
  const xstate = JSON.parse(readFileSync(require.resolve('xstate/package.json'), 'utf8')) as {
    version: string;
  };
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    xstate: xstate.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function machineHeader(info: MachineInfo = machineInfo()): string {
  return (
    `machine: ${info.cores} cores, ${info.cpu}, Node ${info.node}, xstate ${info.xstate}, ` +
    `${info.platform}, load average ${info.loadAverage.join(' / ')}`
  );
}
