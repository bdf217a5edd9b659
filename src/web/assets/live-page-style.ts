/**
 * The live page's stylesheet, served as `assets/live-page.css`: a 2 x 2 grid of panels that
 * folds to one column on narrow screens. A string for the same reason as the script.
 */
export const LIVE_PAGE_STYLE = `:root {
  color-scheme: light;
  --ink: #111827;
  --muted: #6b7280;
  --line: #e5e7eb;
  --panel: #ffffff;
  --page: #f3f4f6;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  color: var(--ink);
  background: var(--page);
}
body { margin: 0 auto; padding: 16px 20px 32px; max-width: 1400px; }
h1 { font-size: 1.35rem; margin: 0; }
h1 .product { color: var(--muted); font-weight: 500; }
h2 { font-size: 1rem; margin: 0; }
code { font-size: 0.9em; background: #e5e7eb; padding: 0 4px; border-radius: 3px; }
.page-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; margin-bottom: 12px; }
.subtitle { margin: 0; color: var(--muted); }
.status { margin: 0 0 0 auto; font-size: 0.85rem; padding: 2px 8px; border-radius: 999px; background: #e5e7eb; }
.status-live { background: #dcfce7; color: #166534; }
.status-error { background: #fee2e2; color: #991b1b; }
.empty { background: #fef9c3; border: 1px solid #fde68a; padding: 10px 14px; border-radius: 6px; }
.panels { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
@media (max-width: 900px) { .panels { grid-template-columns: minmax(0, 1fr); } }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 0; }
.panel-head { display: flex; justify-content: space-between; align-items: baseline; gap: 8px; }
.headline { font-size: 1.1rem; font-variant-numeric: tabular-nums; font-weight: 600; overflow-wrap: anywhere; }
.panel-help { margin: 2px 0 6px; color: var(--muted); font-size: 0.8rem; }
.panel-empty { margin: 6px 0 0; color: var(--muted); font-style: italic; }
.panel.is-empty .chart { opacity: 0.45; }
.chart { min-height: 200px; }
.table-section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; margin-top: 12px; }
.window-note { color: var(--muted); font-weight: 400; font-size: 0.85rem; }
table { border-collapse: collapse; width: 100%; margin-top: 6px; font-size: 0.9rem; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.label { overflow-wrap: anywhere; max-width: 32ch; }
.table-note { margin: 6px 0 0; color: var(--muted); font-size: 0.85rem; }
.table-note:empty { display: none; }
.alert-status { font-weight: 600; }
.status-firing { color: #b91c1c; }
.status-pending { color: #b45309; }
.status-resolved { color: #15803d; }
.status-inactive { color: var(--muted); }
footer { margin-top: 16px; color: var(--muted); font-size: 0.8rem; }
footer a { color: inherit; }
`;
