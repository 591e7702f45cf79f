import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'surveys',
    element: <NotBuilt area="Surveys" plan="NPS, CSAT and CES surveys by email link and hosted page, with every detractor followed up." />,
  },
];
