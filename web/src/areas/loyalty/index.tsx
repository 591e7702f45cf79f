import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'loyalty',
    element: <NotBuilt area="Loyalty" plan="Points, tiers, referral codes and promo codes for the next purchase." />,
  },
];
