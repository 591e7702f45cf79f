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

/** The customer a customer-page panel or timeline loader is for. */
export interface CustomerRef {
  id: string;
  name: string;
  /** erased or merged into another: show history, offer no new work */
  closed: boolean;
}

/**
 * A panel an area adds to the customer page (loyalty's tier and points, the customer's tasks).
 * `summary` panels sit under the health card, `main` ones between the profile and the timeline.
 */
export interface CustomerPanel {
  id: string;
  /** position within its place, lowest first */
  order: number;
  place: 'summary' | 'main';
  element: (customer: CustomerRef) => ReactNode;
}

/** One line of the customer's timeline. */
export interface TimelineEntry {
  /** ISO timestamp */
  at: string;
  /** the badge: what kind of entry it is, in words ("points", "order") */
  kind: string;
  text: string;
  /** who or what made it, in words */
  who?: string | null;
  /** where the entry's subject lives in the web app ("/loyalty") */
  link?: string | null;
}

/**
 * Entries an area adds to the customer's timeline from its own API (loyalty: points spent,
 * expired, adjusted). Contacts, orders and subscriptions are the customers area's own.
 */
export interface TimelineKind {
  id: string;
  /** the entries of one customer, newest first or in any order (the timeline sorts) */
  load: (customerId: string) => Promise<TimelineEntry[]>;
}

/**
 * The form fields of one playbook trigger type, contributed by the area that owns the trigger
 * (loyalty: the tier of `tier.reached`). The playbook editor offers every contributed type in its
 * trigger picker and shows the fields of the chosen one; a type nobody contributes stays JSON.
 */
export interface PlaybookTriggerField {
  /** the trigger's `type` */
  type: string;
  /** the picker's words ("a loyalty tier is reached") */
  label: string;
  /** the trigger a new choice of this type starts from */
  initial: Record<string, unknown> & { type: string };
  /** the fields; `onChange` gets the whole trigger */
  element: (trigger: Record<string, unknown> & { type: string }, onChange: (t: Record<string, unknown> & { type: string }) => void, disabled: boolean) => ReactNode;
  /** how the trigger reads in a sentence ("the loyalty tier Gold is reached") */
  describe: (trigger: Record<string, unknown> & { type: string }) => string;
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
  customerPanels?: CustomerPanel[];
  timelineKinds?: TimelineKind[];
  playbookTriggerFields?: PlaybookTriggerField[];
}
