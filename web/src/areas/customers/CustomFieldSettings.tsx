// Settings → Customers: the owner's custom fields on customers (shown and edited on each profile).
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { FormError } from '../../shell/FormError';
import { useMe } from '../../shell/me';
import { useApi } from '../../shell/useApi';

export interface CustomField {
  key: string;
  label: string;
  type: 'text' | 'number' | 'date' | 'yes_no';
}
const types: [CustomField['type'], string][] = [
  ['text', 'Text'],
  ['number', 'Number'],
  ['date', 'Date'],
  ['yes_no', 'Yes / no'],
];
const keyOf = (label: string) =>
  label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+|_+$/g, '')
    .slice(0, 40) || 'field';

export function CustomFieldSettings() {
  const me = useMe();
  const { data, reload } = useApi<{ fields: CustomField[] }>('/api/customers/custom-fields');
  const [fields, setFields] = useState<CustomField[]>([]);
  const [label, setLabel] = useState('');
  const [type, setType] = useState<CustomField['type']>('text');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setFields(data?.fields ?? []), [data]);
  const save = async (next: CustomField[]) => {
    try {
      await api.put('/api/customers/custom-fields', { fields: next });
      setError(null);
      reload();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <div>
      {fields.length === 0 && <p className="muted">No custom fields yet.</p>}
      <ul>
        {fields.map((f) => (
          <li key={f.key}>
            {f.label} <span className="muted">({types.find(([t]) => t === f.type)?.[1]})</span>{' '}
            {me.role === 'owner' && (
              <button className="link" onClick={() => save(fields.filter((x) => x.key !== f.key))}>
                remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {me.role === 'owner' && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (label.trim()) void save([...fields, { key: keyOf(label), label: label.trim(), type }]).then(() => setLabel(''));
          }}
        >
          <input aria-label="New field" placeholder="New field, e.g. Shoe size" value={label} onChange={(e) => setLabel(e.target.value)} />
          <select aria-label="Type" value={type} onChange={(e) => setType(e.target.value as CustomField['type'])}>
            {types.map(([t, l]) => (
              <option key={t} value={t}>
                {l}
              </option>
            ))}
          </select>
          <button className="btn">Add field</button>
        </form>
      )}
      <FormError error={error} />
    </div>
  );
}
