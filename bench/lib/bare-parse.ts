// The baseline the import benchmarks compare against: csv-parse alone reading the file, records
// counted and dropped. Prints `bare csv-parse: N records in S s, CPU C s (seconds=… cpu=…)`.
import { parse } from 'csv-parse';
import fs from 'node:fs';

export async function printBareParse(file: string): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let n = 0;
  const parser = fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(parse({ bom: true }));
  for await (const r of parser) if (r) n++;
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(`bare csv-parse: ${n} records in ${s.toFixed(2)} s, CPU ${cpuS.toFixed(2)} s (seconds=${s.toFixed(3)} cpu=${cpuS.toFixed(3)})`);
}
