// What the areas contribute to pages they do not own (dashboard cards, Settings sections,
// customer-page panels, timeline entries, playbook trigger fields). App provides it from the area
// list, so the pages that show them never import the areas themselves.
import { createContext, useContext } from 'react';
import type { CustomerPanel, DashboardCard, PlaybookTriggerField, SettingsSection, TimelineKind, WebArea } from './types';

export interface Contributions {
  dashboardCards: DashboardCard[];
  settingsSections: SettingsSection[];
  customerPanels: CustomerPanel[];
  timelineKinds: TimelineKind[];
  playbookTriggerFields: PlaybookTriggerField[];
}

const byOrder = <T extends { order: number }>(list: T[]) => list.sort((a, b) => a.order - b.order);

/** Gathers every area's contributions, each list in its display order. */
export function collectContributions(areas: readonly WebArea[]): Contributions {
  return {
    dashboardCards: byOrder(areas.flatMap((a) => a.dashboardCards ?? [])),
    settingsSections: byOrder(areas.flatMap((a) => a.settingsSections ?? [])),
    customerPanels: byOrder(areas.flatMap((a) => a.customerPanels ?? [])),
    timelineKinds: areas.flatMap((a) => a.timelineKinds ?? []),
    playbookTriggerFields: areas.flatMap((a) => a.playbookTriggerFields ?? []),
  };
}

export const ContributionsContext = createContext<Contributions>(collectContributions([]));
export const useContributions = () => useContext(ContributionsContext);
