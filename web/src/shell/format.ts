// Dates and times as the business sees them: in the workspace's time zone, not the browser's.
import { useEffect, useState } from 'react';
import { api } from '../api';

function parts(value: string | Date, timeZone: string | undefined): Record<string, string> | null {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  } catch {
    fmt = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  }
  return Object.fromEntries(fmt.formatToParts(d).map((p) => [p.type, p.value]));
}

/** "2026-11-23 14:05" in the given time zone; "—" for a missing or unreadable value. */
export function formatDateTime(value: string | Date | null | undefined, timeZone: string | undefined): string {
  const p = value == null ? null : parts(value, timeZone);
  return p ? `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}` : '—';
}

/** "2026-11-23" in the given time zone. */
export function formatDate(value: string | Date | null | undefined, timeZone: string | undefined): string {
  const p = value == null ? null : parts(value, timeZone);
  return p ? `${p.year}-${p.month}-${p.day}` : '—';
}

let cached: Promise<string | undefined> | null = null;
/** The workspace time zone (undefined until loaded, or when it cannot be read: then the browser's). */
export function useWorkspaceTimeZone(): string | undefined {
  const [tz, setTz] = useState<string | undefined>(undefined);
  useEffect(() => {
    cached ??= api.get<{ timeZone: string }>('/api/workspace').then(
      (w) => w.timeZone,
      () => {
        cached = null;
        return undefined;
      },
    );
    let live = true;
    void cached.then((z) => live && setTz(z));
    return () => {
      live = false;
    };
  }, []);
  return tz;
}

/** Forget the cached time zone (after the owner changes it in Settings). */
export function forgetWorkspaceTimeZone(): void {
  cached = null;
}
