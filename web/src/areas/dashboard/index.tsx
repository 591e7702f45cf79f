import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'dashboard',
    element: <NotBuilt area="Dashboard" plan="Retention against your industry, churn trend, cohorts, lifetime value, the save list and today's tasks." />,
  },
];
