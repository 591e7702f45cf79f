import type { AreaRoute } from '../../shell/types';
import { TasksPage } from '../tasks/TasksPage';
import { OutboxPage } from './OutboxPage';
import { PlaybookEditor } from './PlaybookEditor';
import { PlaybooksPage } from './PlaybooksPage';

export const routes: AreaRoute[] = [
  { path: 'playbooks', element: <PlaybooksPage /> },
  { path: 'playbooks/:id', element: <PlaybookEditor /> },
  { path: 'tasks', element: <TasksPage /> },
  { path: 'outbox', element: <OutboxPage /> },
];
