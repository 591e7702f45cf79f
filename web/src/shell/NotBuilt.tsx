/** Says plainly that an area is not built yet, and what it will do. */
export function NotBuilt({ area, plan }: { area: string; plan: string }) {
  return (
    <section className="card not-built" data-testid="not-built">
      <h2>{area} is not built yet</h2>
      <p>{plan}</p>
      <p className="muted">Nothing on this page is sample or placeholder data.</p>
    </section>
  );
}
