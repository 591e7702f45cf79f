import type { AreaRoute, WebArea } from '../../shell/types';
import { CustomerList } from './CustomerList';
import { CustomerPage } from './CustomerPage';
import { ImportPage } from './ImportPage';

const routes: AreaRoute[] = [
  { path: 'customers', element: <CustomerList /> },
  { path: 'customers/import', element: <ImportPage /> },
  { path: 'customers/:id', element: <CustomerPage /> },
];

export const area: WebArea = { nav: { to: '/customers', label: 'Customers', order: 30 }, routes };
