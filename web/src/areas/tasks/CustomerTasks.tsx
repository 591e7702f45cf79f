// The customer's tasks (open, today, done) and a new task for them: the tasks area's panel on the
// customer page (contributed through `customerPanels`).
import { useState } from 'react';
import type { CustomerRef } from '../../shell/types';
import { NewTaskForm } from './NewTaskForm';
import { TaskList } from './TaskList';

export function CustomerTasks({ customer }: { customer: CustomerRef }) {
  const [reloadKey, setReloadKey] = useState(0);
  const [adding, setAdding] = useState(false);
  if (customer.closed) return null; // erased or merged: their work is done or moved
  return (
    <section className="card" aria-label="Tasks">
      <h2>Tasks</h2>
      <TaskList customerId={customer.id} reloadKey={reloadKey} pageSize={20} />
      {adding ? (
        <div style={{ marginTop: '1rem' }}>
          <NewTaskForm customer={customer} onCreated={() => setReloadKey((k) => k + 1)} />
        </div>
      ) : (
        <button className="btn" style={{ marginTop: '.75rem' }} onClick={() => setAdding(true)}>
          New task for {customer.name}
        </button>
      )}
    </section>
  );
}
