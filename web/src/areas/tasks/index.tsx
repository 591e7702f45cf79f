import type { WebArea } from '../../shell/types';
import { TasksPage } from './TasksPage';

export const area: WebArea = { nav: { to: '/tasks', label: 'Tasks', order: 20 }, routes: [{ path: 'tasks', element: <TasksPage /> }] };
