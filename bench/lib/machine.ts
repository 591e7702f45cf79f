// Describes the machine a benchmark ran on; every benchmark prints this line.
import os from 'node:os';

export function machineLine(): string {
  const cpus = os.cpus();
  return `machine: cores=${cpus.length} cpu="${cpus[0]?.model ?? 'unknown'}" memory_gb=${(os.totalmem() / 2 ** 30).toFixed(1)} node=${process.version} platform=${process.platform}`;
}

/** Peak resident memory of this process so far, in MB. */
export function peakMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
