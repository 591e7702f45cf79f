import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'playbooks',
    element: <NotBuilt area="Playbooks" plan="Automatic follow-up: thank-you after a sale, onboarding, check-ins, birthday greetings, win-back offers." />,
  },
];
