// Tasks: today's, all open, and done, with counts, filters, sorting, paging and bulk actions;
// create one by hand (optionally for a customer).
import { useState } from 'react';
import { AreaTabs } from '../playbooks/AreaTabs';
import { NewTaskForm } from './NewTaskForm';
import { TaskList } from './TaskList';

export function TasksPage() {
  const [reloadKey, setReloadKey] = useState(0);
  return (
    <div className="page">
      <h1>Tasks</h1>
      <AreaTabs />
      <section className="card">
        <TaskList reloadKey={reloadKey} />
      </section>
      <section className="card">
        <h2>New task</h2>
        <NewTaskForm onCreated={() => setReloadKey((k) => k + 1)} />
        <p className="muted">Tasks for a customer are also made by playbooks (a call after 60 quiet days, a detractor follow-up) and from a customer's page.</p>
      </section>
    </div>
  );
}
