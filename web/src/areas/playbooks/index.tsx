import type { AreaRoute, WebArea } from '../../shell/types';
import { OutboxPage } from './OutboxPage';
import { PlaybookEditor } from './PlaybookEditor';
import { PlaybooksPage } from './PlaybooksPage';

const routes: AreaRoute[] = [
  { path: 'playbooks', element: <PlaybooksPage /> },
  { path: 'playbooks/:id', element: <PlaybookEditor /> },
  { path: 'outbox', element: <OutboxPage /> },
];

export const area: WebArea = { nav: { to: '/playbooks', label: 'Playbooks', order: 70 }, routes };
