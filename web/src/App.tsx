import { useEffect, useState } from 'react';
import { Navigate, NavLink, Route, Routes, useNavigate } from 'react-router';
import { api, setCsrfToken } from './api';
import { routes as assistant } from './areas/assistant';
import { routes as customers } from './areas/customers';
import { routes as dashboard } from './areas/dashboard';
import { routes as inbox } from './areas/inbox';
import { routes as loyalty } from './areas/loyalty';
import { routes as playbooks } from './areas/playbooks';
import { routes as recovery } from './areas/recovery';
import { routes as settings } from './areas/settings';
import { routes as surveys } from './areas/surveys';
import { LoginPage } from './shell/LoginPage';
import { SetupPage } from './shell/SetupPage';
import { MeContext } from './shell/me';
import type { Me } from './shell/types';

const nav = [
  { to: '/dashboard', label: 'Dashboard' },
  { to: '/tasks', label: 'Tasks' },
  { to: '/customers', label: 'Customers' },
  { to: '/inbox', label: 'Inbox' },
  { to: '/assistant', label: 'Assistant' },
  { to: '/surveys', label: 'Surveys' },
  { to: '/playbooks', label: 'Playbooks' },
  { to: '/recovery', label: 'Recovery' },
  { to: '/loyalty', label: 'Loyalty' },
  { to: '/settings', label: 'Settings' },
];

const areaRoutes = [...dashboard, ...customers, ...inbox, ...assistant, ...surveys, ...playbooks, ...recovery, ...loyalty, ...settings];

interface MeResponse {
  user: Me | null;
  csrfToken: string | null;
  needsSetup: boolean;
}

export function App() {
  const [state, setState] = useState<MeResponse | null>(null);
  const navigate = useNavigate();
  const refresh = () =>
    api.get<MeResponse>('/api/auth/me').then((me) => {
      setCsrfToken(me.csrfToken);
      setState(me);
    });
  useEffect(() => {
    void refresh();
  }, []);

  if (!state) return <div className="loading">Loading…</div>;
  if (state.needsSetup) return <SetupPage onDone={() => refresh().then(() => navigate('/dashboard'))} />;
  if (!state.user) return <LoginPage onDone={() => refresh().then(() => navigate('/dashboard'))} />;

  const logout = async () => {
    await api.post('/api/auth/logout');
    setCsrfToken(null);
    await refresh();
    navigate('/');
  };

  return (
    <MeContext.Provider value={state.user}>
      <div className="layout">
        <aside className="sidebar">
          <div className="brand">Keepwell</div>
          <nav aria-label="Main">
            {nav.map((n) => (
              <NavLink key={n.to} to={n.to} className={({ isActive }) => (isActive ? 'active' : '')}>
                {n.label}
              </NavLink>
            ))}
          </nav>
          <div className="whoami">
            <div>{state.user.name}</div>
            <div className="muted">{state.user.role}</div>
            <button className="link" onClick={logout}>
              Sign out
            </button>
          </div>
        </aside>
        <main className="content">
          <Routes>
            <Route path="/" element={<Navigate to="/dashboard" replace />} />
            {areaRoutes.map((r) => (
              <Route key={r.path} path={r.path} element={r.element} />
            ))}
            <Route path="*" element={<p>That page does not exist.</p>} />
          </Routes>
        </main>
      </div>
    </MeContext.Provider>
  );
}
