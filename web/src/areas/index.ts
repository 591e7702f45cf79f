// The one list of the web app's areas. A new area writes its folder (index.tsx exporting
// `area`) and adds one line here; the shell takes nav, routes, dashboard cards and Settings
// sections from this list.
import type { WebArea } from '../shell/types';
import { area as analytics } from './analytics';
import { area as assistant } from './assistant';
import { area as customers } from './customers';
import { area as dashboard } from './dashboard';
import { area as inbox } from './inbox';
import { area as loyalty } from './loyalty';
import { area as playbooks } from './playbooks';
import { area as recovery } from './recovery';
import { area as settings } from './settings';
import { area as surveys } from './surveys';
import { area as tasks } from './tasks';

export const areas: readonly WebArea[] = [dashboard, tasks, customers, inbox, assistant, surveys, playbooks, recovery, loyalty, settings, analytics];
