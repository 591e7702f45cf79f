import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute, WebArea } from '../../shell/types';

const routes: AreaRoute[] = [
  {
    path: 'assistant',
    element: <NotBuilt area="Assistant" plan="A website chat widget that answers from your FAQ, knows when it is unsure and hands over to a person." />,
  },
];

export const area: WebArea = { nav: { to: '/assistant', label: 'Assistant', order: 50 }, routes };
