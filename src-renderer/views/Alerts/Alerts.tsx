/** The Alerts view: what fires now, what fired before, and the connection's rules. */
export function Alerts() {
  return (
    <section aria-label="alerts">
      <h2>Alerts</h2>
    </section>
  );
}
