export interface TaskRow {
  id: string;
  title: string;
  details: string | null;
  dueAt: string;
  overdue: boolean;
  dueToday?: boolean;
  status: 'open' | 'done';
  snoozedUntil: string | null;
  source: string;
  sourceKind?: string;
  assignee: { userId?: string; name?: string | null; role?: string | null };
  customer: { id: string; name: string } | null;
  createdAt: string;
  doneAt: string | null;
}

export interface TaskCounts {
  today: number;
  open: number;
  overdue: number;
  dueToday: number;
  later: number;
  done: number;
}

export interface TaskPage {
  view: 'today' | 'open' | 'done';
  sort: string;
  total: number;
  counts: TaskCounts;
  nextCursor: string | null;
  tasks: TaskRow[];
}
