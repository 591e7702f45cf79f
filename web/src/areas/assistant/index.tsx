import { NotBuilt } from '../../shell/NotBuilt';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [
  {
    path: 'assistant',
    element: <NotBuilt area="Assistant" plan="A website chat widget that answers from your FAQ, knows when it is unsure and hands over to a person." />,
  },
];
