// Generates the demo business from a seed: plain rows, no database. Same seed, same data.
import type { Insertable } from 'kysely';
import type { CustomersTable, OrdersTable, SubscriptionsTable, TouchpointsTable } from '../customers/customers.tables.js';
import type { WorkspaceInput } from '../workspace/workspace.service.js';

export interface DemoStaff {
  name: string;
  email: string;
  role: 'owner' | 'agent';
}

export interface DemoBusiness {
  workspace: WorkspaceInput;
  /** staff[0] is the owner */
  staff: DemoStaff[];
  customers: (Insertable<CustomersTable> & { id: string; owner_staff_index: number | null })[];
  orders: Insertable<OrdersTable>[];
  subscriptions: Insertable<SubscriptionsTable>[];
  touchpoints: Insertable<TouchpointsTable>[];
}

export function generateDemoBusiness(options: { seed: number; today: Date }): DemoBusiness {
  void options;
  return {
    workspace: { name: 'Demo business', industry: 'consumer_services', timeZone: 'Europe/London', currency: 'GBP' },
    staff: [{ name: 'Demo Owner', email: 'owner@demo.keepwell.test', role: 'owner' }],
    customers: [],
    orders: [],
    subscriptions: [],
    touchpoints: [],
  };
}
