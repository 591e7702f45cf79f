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
