import type { ReactNode } from 'react';

export interface AreaRoute {
  /** path relative to the site root, e.g. "customers/:id" */
  path: string;
  element: ReactNode;
}

export interface Me {
  id: string;
  email: string;
  name: string;
  role: 'owner' | 'agent';
}

/** The sidebar link of an area. */
export interface NavEntry {
  to: string;
  label: string;
  /** position in the sidebar, lowest first */
  order: number;
}

/** A card an area adds to the owner's dashboard (below the retention overview). */
export interface DashboardCard {
  id: string;
  /** position among the areas' cards, lowest first */
  order: number;
  element: ReactNode;
}

/** A section an area adds to the Settings page. */
export interface SettingsSection {
  id: string;
  title: string;
  /** position on the page after the built-in sections, lowest first */
  order: number;
  element: ReactNode;
  ownerOnly?: boolean;
}

/**
 * What an area of the web app brings: the web side of the feature contract. Every area's
 * index.tsx exports one `area`; web/src/areas/index.ts lists them, and the shell builds the
 * sidebar, the routes, the dashboard's area cards and the Settings sections from that list.
 */
export interface WebArea {
  nav?: NavEntry;
  routes: AreaRoute[];
  dashboardCards?: DashboardCard[];
  settingsSections?: SettingsSection[];
}
