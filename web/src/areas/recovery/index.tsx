// Recovery: the incident log, an incident's affected customers and the apology composer, the
// library with outcomes and results, templates, and the owner's limits in Settings.
import type { AreaRoute, WebArea } from '../../shell/types';
import { IncidentPage } from './IncidentPage';
import { RecoveryPage } from './IncidentList';
import { RecoverySettings } from './RecoverySettings';

const routes: AreaRoute[] = [
  { path: 'recovery', element: <RecoveryPage /> },
  { path: 'recovery/:id', element: <IncidentPage /> },
];

export const area: WebArea = {
  nav: { to: '/recovery', label: 'Recovery', order: 80 },
  routes,
  settingsSections: [{ id: 'recovery', title: 'Apology compensation limits', order: 80, element: <RecoverySettings />, ownerOnly: true }],
};
