import { useEffect, useState } from 'react';
import { Navigate, NavLink, Route, Routes, useNavigate } from 'react-router';
import { api, setCsrfToken } from './api';
import { areas } from './areas';
import { LoginPage } from './shell/LoginPage';
import { SetupPage } from './shell/SetupPage';
import { collectContributions, ContributionsContext } from './shell/contributions';
import { MeContext } from './shell/me';
import type { Me } from './shell/types';

const nav = areas.flatMap((a) => (a.nav ? [a.nav] : [])).sort((a, b) => a.order - b.order);
const areaRoutes = areas.flatMap((a) => a.routes);
const contributions = collectContributions(areas);

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
      <ContributionsContext.Provider value={contributions}>
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
      </ContributionsContext.Provider>
    </MeContext.Provider>
  );
}
