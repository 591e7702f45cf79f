import { NavLink } from 'react-router';

/** Playbooks, Tasks and Outbox belong together: links between them. */
export function AreaTabs() {
  const cls = ({ isActive }: { isActive: boolean }) => `btn${isActive ? ' primary' : ''}`;
  return (
    <nav aria-label="Follow-up" className="inline-form" style={{ marginTop: 0 }}>
      <NavLink to="/playbooks" end className={cls}>
        Playbooks
      </NavLink>
      <NavLink to="/tasks" className={cls}>
        Tasks
      </NavLink>
      <NavLink to="/outbox" className={cls}>
        Outbox
      </NavLink>
    </nav>
  );
}
