// The generated orders file the import benchmarks share: ROWS orders over ROWS/10 customers,
// four years of dates, 3% refunded, a fixed seed. Made once per size (same name, same content)
// in the temp folder, written under a temporary name and renamed so a reader never sees half.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function ordersFile(rows: number): string {
  const dir = path.join(os.tmpdir(), 'keepwell-bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `orders-${rows}.csv`);
  if (fs.existsSync(file)) return file;
  const customers = Math.max(1, Math.round(rows / 10));
  console.log(`generating ${file} (${rows} orders, ${customers} customers)…`);
  let seed = 42;
  const rand = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const tmp = `${file}.${process.pid}`;
  const out = fs.openSync(tmp, 'w');
  let buf = 'order_id,customer_id,email,name,created_at,total,currency,status\n';
  const start = Date.UTC(2020, 0, 1);
  for (let i = 1; i <= rows; i++) {
    const c = 1 + Math.floor(rand() * customers);
    const at = new Date(start + Math.floor(rand() * 4 * 365 * 86400) * 1000).toISOString();
    const total = (5 + rand() * 200).toFixed(2);
    buf += `ord-${i},cus-${c},customer${c}@example.com,"Customer ${c}",${at},${total},EUR,${rand() < 0.03 ? 'refunded' : 'paid'}\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(out, buf);
      buf = '';
    }
  }
  fs.writeSync(out, buf);
  fs.closeSync(out);
  fs.renameSync(tmp, file);
  return file;
}
