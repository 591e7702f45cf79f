// What the areas contribute to pages they do not own (dashboard cards, Settings sections).
// App provides it from the area list, so the dashboard and Settings pages never import the
// areas themselves.
import { createContext, useContext } from 'react';
import type { DashboardCard, SettingsSection } from './types';

export interface Contributions {
  dashboardCards: DashboardCard[];
  settingsSections: SettingsSection[];
}

export const ContributionsContext = createContext<Contributions>({ dashboardCards: [], settingsSections: [] });
export const useContributions = () => useContext(ContributionsContext);
