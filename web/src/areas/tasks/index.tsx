import type { WebArea } from '../../shell/types';
import { CustomerTasks } from './CustomerTasks';
import { TasksPage } from './TasksPage';

export const area: WebArea = {
  nav: { to: '/tasks', label: 'Tasks', order: 20 },
  routes: [{ path: 'tasks', element: <TasksPage /> }],
  customerPanels: [{ id: 'tasks', order: 20, place: 'main', element: (customer) => <CustomerTasks customer={customer} /> }],
};
