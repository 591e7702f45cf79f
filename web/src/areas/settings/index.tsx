import { SettingsPage } from './SettingsPage';
import type { AreaRoute, WebArea } from '../../shell/types';

const routes: AreaRoute[] = [{ path: 'settings', element: <SettingsPage /> }];

export const area: WebArea = { nav: { to: '/settings', label: 'Settings', order: 100 }, routes };
