import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'customers',
    element: <NotBuilt area="Customers" plan="Customers, orders, subscriptions and every touchpoint on one timeline, with CSV import and export." />,
  },
];
