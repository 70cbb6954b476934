/**
 * The dashboard's style sheet, served as a file (the CSP allows no inline style).
 * @internal
 * @module
 */
/** @internal */
export const APP_CSS = String.raw`
:root { --fg: #1d2330; --muted: #6b7385; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; --accent: #3b5bdb; --bad: #c92a2a; --ok: #2b8a3e; --warn: #e67700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #1d2330; color: #fff; }
header a { color: #cfd6e4; text-decoration: none; margin-right: 16px; }
header a:hover { color: #fff; }
.brand { font-weight: 700; font-size: 17px; color: #fff !important; }
#live { margin-left: auto; font-size: 12px; color: #9aa3b5; }
main { padding: 16px 24px 48px; max-width: 1400px; }
h1 { font-size: 20px; margin: 8px 0 12px; word-break: break-all; }
h2 { font-size: 15px; margin: 20px 0 8px; color: #333a48; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-bottom: 14px; }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
td.preview { max-width: 360px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.pill { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #edf0f5; }
.pill.up { background: #d3f9d8; color: var(--ok); }
.pill.down { background: #ffe3e3; color: var(--bad); }
.pill.leaving, .pill.paused { background: #fff3bf; color: var(--warn); }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 14px; }
.chart h2 { margin-top: 0; }
.chart canvas { width: 100%; height: 180px; display: block; }
.legend { font-size: 12px; color: var(--muted); margin-top: 4px; }
.legend span { margin-right: 14px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
button { font: inherit; padding: 5px 12px; border-radius: 5px; border: 1px solid #c5cbd6; background: #fff; cursor: pointer; }
button:hover { border-color: var(--accent); }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button.danger { color: var(--bad); border-color: #f1aeb5; }
button:disabled { opacity: .5; cursor: default; }
input, textarea, select { font: inherit; padding: 5px 8px; border: 1px solid #c5cbd6; border-radius: 5px; }
textarea { width: 100%; min-height: 70px; font-family: ui-monospace, monospace; font-size: 12.5px; }
pre.body { background: #0f1420; color: #e6e9ef; padding: 12px; border-radius: 6px; overflow: auto; max-height: 480px; white-space: pre-wrap; word-break: break-all; font-size: 12.5px; }
.tabs button.active { background: #1d2330; color: #fff; border-color: #1d2330; }
.grid2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 14px; }
.grid2 table { table-layout: fixed; }
.grid2 td { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.grid2 th:nth-child(2), .grid2 td:nth-child(2) { width: 120px; }
td a.mono { white-space: nowrap; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
#flash { position: fixed; right: 18px; top: 56px; max-width: 480px; z-index: 5; }
#flash div { padding: 8px 12px; border-radius: 5px; margin-bottom: 6px; background: #1d2330; color: #fff; box-shadow: 0 2px 8px rgba(0,0,0,.15); }
#flash div.error { background: var(--bad); }
.error { color: var(--bad); }
.login { max-width: 360px; margin: 60px auto; }
.login form { display: grid; gap: 12px; }
`;
