import type { AreaRoute, WebArea } from '../../shell/types';
import { CompaniesPage, CompanyPage } from './Companies';
import { CustomerList } from './CustomerList';
import { CustomerPage } from './CustomerPage';
import { CustomFieldSettings } from './CustomFieldSettings';
import { FormatSettings } from './FormatSettings';
import { ImportPage } from './ImportPage';

const routes: AreaRoute[] = [
  { path: 'customers', element: <CustomerList /> },
  { path: 'customers/import', element: <ImportPage /> },
  { path: 'customers/companies', element: <CompaniesPage /> },
  { path: 'customers/companies/:id', element: <CompanyPage /> },
  { path: 'customers/:id', element: <CustomerPage /> },
];

export const area: WebArea = {
  nav: { to: '/customers', label: 'Customers', order: 30 },
  routes,
  settingsSections: [
    { id: 'formats', title: 'Dates and money', order: 5, element: <FormatSettings /> },
    { id: 'customer-fields', title: 'Custom fields on customers', order: 30, element: <CustomFieldSettings /> },
  ],
};
