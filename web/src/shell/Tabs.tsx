import type { ReactNode } from 'react';

// A row of tabs over one page's parts (buttons, so the page keeps its address).
export function Tabs<T extends string>({ tabs, value, onChange }: { tabs: readonly { id: T; label: string }[]; value: T; onChange: (t: T) => void }) {
  return (
    <div className="inline-form" role="tablist" style={{ marginTop: 0, marginBottom: '1rem' }}>
      {tabs.map((t) => (
        <button key={t.id} role="tab" className={`btn ${value === t.id ? 'primary' : ''}`} aria-selected={value === t.id} onClick={() => onChange(t.id)}>
          {t.label}
        </button>
      ))}
    </div>
  );
}

/** A table that scrolls sideways inside its card on a narrow screen, never the page. */
export function ScrollTable({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div style={{ overflowX: 'auto' }}>
      <table data-testid={testId}>{children}</table>
    </div>
  );
}
