/** The status page's stylesheet: system fonts only, so the page loads nothing from elsewhere. */
export const STYLE = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f6f7f9; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 24px; background: #111827; color: #f9fafb; }
header h1 { margin: 0; font-size: 18px; font-weight: 600; }
header .meta { color: #cbd5e1; }
header .status { margin-left: auto; }
main { padding: 16px 24px 32px; max-width: 1400px; margin: 0 auto; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
h2 { margin: 0 0 8px; font-size: 15px; font-weight: 600; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; background: none; border: 0; padding: 0; }
.charts > div { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
canvas { display: block; width: 100%; height: 200px; }
.legend { display: flex; gap: 16px; color: var(--muted); font-size: 12px; margin-top: 4px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.controls { display: flex; gap: 16px; align-items: center; margin-bottom: 12px; color: var(--muted); }
select, input, button { font: inherit; }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
th { color: var(--muted); font-weight: 500; font-size: 12px; }
th.group { text-align: center; border-bottom: 0; padding-bottom: 0; }
td.num, th.num { text-align: right; }
td.warn { color: #b45309; font-weight: 600; }
td.empty { color: var(--muted); text-align: center; }
td.muted, li.muted { color: var(--muted); }
ul.changes { margin: 2px 0 0; padding-left: 0; list-style: none; font-size: 12px; }
#discovery td { vertical-align: top; }
tbody tr:hover { background: #f9fafb; }
.badge { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.badge.ok { background: #dcfce7; color: #166534; }
.badge.bad { background: #fee2e2; color: #991b1b; }
.badge.warn { background: #fef3c7; color: #92400e; }
.badge.idle { background: #f3f4f6; color: var(--muted); }
.status::before { content: "●"; margin-right: 6px; }
.status.ok::before { color: #4ade80; }
.status.bad::before { color: #f87171; }
.status.wait::before { color: #94a3b8; }
form.token { display: flex; gap: 8px; align-items: center; background: #fff7ed; border: 1px solid #fed7aa; border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
form.token[hidden] { display: none; }
form.token input { width: 320px; padding: 4px 8px; }
`;
