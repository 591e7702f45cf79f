import type { AreaRoute } from '../../shell/types';
import { CustomerList } from './CustomerList';
import { CustomerPage } from './CustomerPage';
import { ImportPage } from './ImportPage';

export const routes: AreaRoute[] = [
  { path: 'customers', element: <CustomerList /> },
  { path: 'customers/import', element: <ImportPage /> },
  { path: 'customers/:id', element: <CustomerPage /> },
];
