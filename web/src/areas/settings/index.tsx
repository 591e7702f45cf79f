import { SettingsPage } from './SettingsPage';
import type { AreaRoute } from '../../shell/types';

export const routes: AreaRoute[] = [{ path: 'settings', element: <SettingsPage /> }];
