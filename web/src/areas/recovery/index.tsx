import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'recovery',
    element: <NotBuilt area="Recovery" plan="An incident log and an apology composer in five parts, with compensation scaled to what the customer paid." />,
  },
];
