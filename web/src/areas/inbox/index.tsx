import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'inbox',
    element: <NotBuilt area="Inbox" plan="One inbox for email, web chat, phone logs and web forms, with first-response targets and routing of valuable or unhappy customers to senior staff." />,
  },
];
