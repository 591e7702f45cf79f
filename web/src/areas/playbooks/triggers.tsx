// The playbook editor's trigger form. Each trigger type has its fields and its sentence as a
// `PlaybookTriggerField`: the types the playbook engine itself defines are below; a type another
// area owns (loyalty's `tier.reached`) comes from that area through `playbookTriggerFields`, so
// this folder never hard-codes it. A trigger a server feature contributes (playbooks.triggers.ts)
// without a web form comes from the trigger catalogue (GET /api/playbooks/triggers): pickable by
// its label, its fields edited as JSON.
import { useState, type ReactNode } from 'react';
import { useContributions } from '../../shell/contributions';
import type { PlaybookTriggerField } from '../../shell/types';
import { useApi } from '../../shell/useApi';

export type TriggerValue = Parameters<PlaybookTriggerField['element']>[0];

const weekdays = ['', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);
const num = (v: unknown, fallback: number | null) => (typeof v === 'number' ? v : fallback);

function Choice({ label, value, options, onChange, disabled }: { label: string; value: string; options: [string, string][]; onChange: (v: string) => void; disabled: boolean }) {
  return (
    <label>
      {label}
      <select aria-label={label} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}

function NumberField({ label, value, min, max, onChange, disabled }: { label: string; value: number | null; min: number; max: number; onChange: (v: number | null) => void; disabled: boolean }) {
  return (
    <label>
      {label}
      <input type="number" aria-label={label} min={min} max={max} value={value ?? ''} disabled={disabled} onChange={(e) => onChange(e.target.value === '' ? null : Number(e.target.value))} />
    </label>
  );
}

/** A trigger type with no fields of its own. */
const plain = (type: string, label: string): PlaybookTriggerField => ({ type, label, initial: { type }, element: () => null, describe: () => label });

/** The trigger types of the playbook engine itself (playbooks.core.ts on the server). */
export const ownTriggers: PlaybookTriggerField[] = [
  plain('customer.created', 'a new customer'),
  {
    type: 'order',
    label: 'an order',
    initial: { type: 'order', which: 'first' },
    element: (t, onChange, disabled) => (
      <Choice
        label="Which order"
        value={str(t.which, 'any')}
        options={[
          ['first', 'their first order'],
          ['repeat', 'a repeat order'],
          ['any', 'every order'],
        ]}
        onChange={(which) => onChange({ ...t, which })}
        disabled={disabled}
      />
    ),
    describe: (t) => (t.which === 'any' ? 'every order' : `a ${str(t.which, 'first')} order`),
  },
  plain('subscription.cancelled', 'a subscription is cancelled'),
  {
    type: 'survey.answered',
    label: 'a survey answer',
    initial: { type: 'survey.answered', kind: 'detractor' },
    element: (t, onChange, disabled) => (
      <Choice
        label="Answer"
        value={str(t.kind, 'any')}
        options={[
          ['detractor', 'a detractor (unhappy)'],
          ['passive', 'a passive'],
          ['promoter', 'a promoter (happy)'],
          ['any', 'any answer'],
        ]}
        onChange={(kind) => onChange({ ...t, kind })}
        disabled={disabled}
      />
    ),
    describe: (t) => (t.kind === 'any' || !t.kind ? 'a survey answer' : `a ${str(t.kind, '')} survey answer`),
  },
  plain('ticket.resolved', 'a ticket is resolved'),
  {
    type: 'health.dropped',
    label: 'health drops',
    initial: { type: 'health.dropped', below: 40 },
    element: (t, onChange, disabled) => <NumberField label="Below (0–100)" value={num(t.below, 40)} min={0} max={100} onChange={(below) => onChange({ ...t, below })} disabled={disabled} />,
    describe: (t) => `health drops below ${num(t.below, 40)}`,
  },
  plain('cart.abandoned', 'a cart is abandoned'),
  plain('payment.failed', 'a payment fails'),
  {
    type: 'date',
    label: 'a date',
    initial: { type: 'date', date: 'birthday' },
    element: (t, onChange, disabled) => (
      <Choice
        label="Date"
        value={str(t.date, 'birthday')}
        options={[
          ['birthday', "the customer's birthday"],
          ['anniversary', "the customer's anniversary"],
          ['holiday', 'each holiday in the list'],
        ]}
        onChange={(date) => onChange({ ...t, date })}
        disabled={disabled}
      />
    ),
    describe: (t) => (t.date === 'holiday' ? 'each holiday in the list' : `the customer's ${str(t.date, 'birthday')}`),
  },
  {
    type: 'no_touchpoint',
    label: 'no contact for a while',
    initial: { type: 'no_touchpoint', days: 60 },
    element: (t, onChange, disabled) => <NumberField label="Days without contact" value={num(t.days, 60)} min={1} max={3650} onChange={(days) => onChange({ ...t, days })} disabled={disabled} />,
    describe: (t) => `no contact for ${num(t.days, 60)} days`,
  },
  {
    type: 'no_order',
    label: 'no order for a while',
    initial: { type: 'no_order', days: 90, ownCycleFactor: null },
    element: (t, onChange, disabled) => (
      <>
        <NumberField label="Days without an order" value={num(t.days, null)} min={1} max={3650} onChange={(days) => onChange({ ...t, days })} disabled={disabled} />
        <NumberField
          label="or later than their own rhythm ×"
          value={num(t.ownCycleFactor, null)}
          min={1}
          max={10}
          onChange={(ownCycleFactor) => onChange({ ...t, ownCycleFactor })}
          disabled={disabled}
        />
      </>
    ),
    describe: (t) => (typeof t.days === 'number' ? `no order for ${t.days} days` : `late against their own rhythm (×${num(t.ownCycleFactor, 2)})`),
  },
  {
    type: 'weekly',
    label: 'every week',
    initial: { type: 'weekly', weekday: 1 },
    element: (t, onChange, disabled) => (
      <Choice
        label="Weekday"
        value={String(num(t.weekday, 1))}
        options={weekdays.slice(1).map((d, i) => [String(i + 1), d])}
        onChange={(w) => onChange({ ...t, weekday: Number(w) })}
        disabled={disabled}
      />
    ),
    describe: (t) => `every ${weekdays[num(t.weekday, 1) ?? 1] ?? 'week'}`,
  },
];

interface CatalogueEntry {
  type: string;
  label: string;
  contributed: boolean;
  fields: string[];
}

/** A server-contributed trigger with no web form: its label, its fields as JSON. */
const fromCatalogue = (t: CatalogueEntry): PlaybookTriggerField => ({
  type: t.type,
  label: t.label,
  initial: { type: t.type },
  element: (trigger, onChange, disabled) => (t.fields.length ? <TriggerJson key={t.type} trigger={trigger} onChange={onChange} disabled={disabled} /> : null),
  describe: () => t.label,
});

/** The engine's trigger types, the ones other areas contribute, and the server's other contributed ones, in one list. */
export function useTriggerFields(): PlaybookTriggerField[] {
  const { playbookTriggerFields } = useContributions();
  const catalogue = useApi<{ triggers: CatalogueEntry[] }>('/api/playbooks/triggers');
  const fields = [...ownTriggers, ...playbookTriggerFields.filter((f) => !ownTriggers.some((o) => o.type === f.type))];
  const more = (catalogue.data?.triggers ?? []).filter((t) => t.contributed && !fields.some((f) => f.type === t.type)).map(fromCatalogue);
  return [...fields, ...more];
}

/** How a trigger reads in a sentence; a type nobody describes reads as its name. */
export function useDescribeTrigger(): (t: TriggerValue) => string {
  const fields = useTriggerFields();
  return (t) => fields.find((f) => f.type === t.type)?.describe(t) ?? t.type.replace(/[._]/g, ' ');
}

/** The trigger picker and the chosen type's fields (JSON for a type nobody describes). */
export function TriggerForm({ trigger, onChange, disabled }: { trigger: TriggerValue; onChange: (t: TriggerValue) => void; disabled: boolean }) {
  const fields = useTriggerFields();
  const field = fields.find((f) => f.type === trigger.type);
  let body: ReactNode = field?.element(trigger, onChange, disabled);
  if (!field) body = <TriggerJson trigger={trigger} onChange={onChange} disabled={disabled} />;
  return (
    <div className="inline-form" data-testid="trigger-form">
      <label>
        When
        <select aria-label="Trigger" value={trigger.type} disabled={disabled} onChange={(e) => onChange(fields.find((f) => f.type === e.target.value)?.initial ?? trigger)}>
          {fields.map((f) => (
            <option key={f.type} value={f.type}>
              {f.label}
            </option>
          ))}
          {!field && <option value={trigger.type}>{trigger.type}</option>}
        </select>
      </label>
      {body}
    </div>
  );
}

function TriggerJson({ trigger, onChange, disabled }: { trigger: TriggerValue; onChange: (t: TriggerValue) => void; disabled: boolean }) {
  const [text, setText] = useState(() => JSON.stringify(trigger, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <label style={{ flex: '1 1 16rem' }}>
      Trigger (JSON)
      <textarea
        rows={3}
        value={text}
        disabled={disabled}
        style={{ fontFamily: 'monospace' }}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const t = JSON.parse(e.target.value) as TriggerValue;
            setBad(false);
            if (t && typeof t.type === 'string') onChange(t);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <span className="error">Not valid JSON yet</span>}
    </label>
  );
}
