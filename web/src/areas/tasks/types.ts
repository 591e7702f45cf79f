export interface TaskRow {
  id: string;
  title: string;
  details: string | null;
  dueAt: string;
  overdue: boolean;
  status: 'open' | 'done';
  snoozedUntil: string | null;
  source: string;
  assignee: { userId?: string; name?: string | null; role?: string | null };
  customer: { id: string; name: string } | null;
  createdAt: string;
  doneAt: string | null;
}
