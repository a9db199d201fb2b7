// The History tab: a timeline of coloured bands per agent and per account (drawn here as inline
// SVG), a table of recorded rows with filters, and the CSV export.
import { call, describeError } from "./api.js";
import { h, $, $$, badge, vendorLabel } from "./dom.js";

const RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000 };
const SVG = "http://www.w3.org/2000/svg";
const SYMBOL = { ok: "✔", info: "ℹ", warning: "▲", critical: "✖", unknown: "?" };
const LANE = 22;
const LABEL_W = 190;

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, String(v));
  }
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function filters() {
  const f = $("#history-filters");
  const range = f.querySelector('input[name="range"]:checked').value;
  const now = Date.now();
  return {
    range,
    now,
    since_ms: now - RANGES[range],
    account: $("#hist-account").value,
    agent: $("#hist-agent").value.trim(),
    kind: $("#hist-kind").value,
  };
}

function query(f) {
  return {
    since_ms: f.since_ms,
    account: f.account || null,
    agent: f.agent || null,
    kinds: f.kind ? [f.kind] : [],
  };
}

export function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr} h${m % 60 ? ` ${m % 60} min` : ""}`;
  return `${Math.floor(hr / 24)} d${hr % 24 ? ` ${hr % 24} h` : ""}`;
}

function when(ms, range) {
  const d = new Date(ms);
  const t = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  if (range === "1h") return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  if (range === "7d") return `${d.toLocaleDateString([], { weekday: "short", day: "numeric" })} ${t}`;
  return t;
}

function tickStep(range) {
  return { "1h": 10 * 60_000, "24h": 3 * 3_600_000, "7d": 86_400_000 }[range];
}

let lastLoad = 0;

export async function loadHistory() {
  const seq = ++lastLoad;
  const f = filters();
  const msg = $("#hist-export-msg");
  try {
    const [lanes, rows] = await Promise.all([
      call("timeline", { sinceMs: f.since_ms, untilMs: f.now, account: f.account || null, agent: f.agent || null }),
      call("history", { query: { ...query(f), limit: 500 } }),
    ]);
    if (seq !== lastLoad) return; // a newer load is on its way
    fillAccounts(lanes);
    drawTimeline(lanes, f);
    renderTable(rows, f);
  } catch (e) {
    msg.textContent = describeError(e);
  }
}

function fillAccounts(lanes) {
  const select = $("#hist-account");
  const known = new Set($$("option", select).map((o) => o.value));
  for (const l of lanes) {
    if (!known.has(l.account_id)) select.append(h("option", { value: l.account_id }, l.account_name));
  }
}

// Groups bands by lane: the account's own outage lane first, then one lane per agent.
function lanesOf(account) {
  const byAgent = new Map();
  byAgent.set("", { label: `${account.account_name} (account)`, agent: null, bands: [] });
  for (const b of account.bands) {
    const id = b.agent_id || "";
    if (!byAgent.has(id)) byAgent.set(id, { label: b.agent_name ? `${b.agent_name} · ${id}` : id, agent: id, bands: [] });
    byAgent.get(id).bands.push(b);
  }
  return Array.from(byAgent.values());
}

function drawTimeline(accounts, f) {
  const box = $("#timeline");
  const tip = $("#timeline-tip");
  tip.hidden = true;
  const lanes = [];
  for (const a of accounts) {
    for (const lane of lanesOf(a)) lanes.push({ ...lane, account: a });
  }
  const empty = $("#timeline-empty");
  const hasBands = lanes.some((l) => l.bands.length);
  if (!hasBands) {
    box.replaceChildren();
    empty.hidden = false;
    empty.textContent = accounts.length
      ? "Nothing recorded in this window yet. Confirmed changes and outages appear here as coloured bands."
      : "No accounts yet.";
    return;
  }
  empty.hidden = true;
  const width = Math.max(600, box.clientWidth || 900);
  const plotW = width - LABEL_W - 12;
  const top = 22;
  const height = top + lanes.length * LANE + 6;
  const t0 = f.since_ms;
  const t1 = f.now;
  const x = (ms) => LABEL_W + ((Math.min(Math.max(ms, t0), t1) - t0) / (t1 - t0)) * plotW;
  const svg = s("svg", {
    class: "timeline-svg",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "group",
    "aria-label": `Timeline of the last ${f.range}: one lane per account and agent`,
  });
  // Patterns: each severity also has its own texture, for colour-blind eyes.
  svg.append(
    s(
      "defs",
      {},
      s("pattern", { id: "pat-critical", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" }, s("rect", { width: 2.2, height: 6, class: "pat-line" })),
      s("pattern", { id: "pat-warning", width: 6, height: 6, patternUnits: "userSpaceOnUse" }, s("circle", { cx: 3, cy: 3, r: 1.1, class: "pat-line" })),
      s("pattern", { id: "pat-unknown", width: 8, height: 8, patternUnits: "userSpaceOnUse" }, s("rect", { x: 0, y: 3.5, width: 8, height: 1.2, class: "pat-line" })),
    ),
  );
  // Time axis.
  const step = tickStep(f.range);
  for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
    const tx = x(t);
    svg.append(
      s("line", { x1: tx, x2: tx, y1: top - 4, y2: height - 4, class: "grid" }),
      s("text", { x: tx, y: 12, class: "tick", "text-anchor": "middle" }, when(t, f.range)),
    );
  }
  lanes.forEach((lane, i) => {
    const y = top + i * LANE;
    const g = s("g", {
      class: `lane${lane.agent ? "" : " account-lane"}`,
      "data-account": lane.account.account_id,
      "data-agent": lane.agent || "",
    });
    g.append(
      s("rect", { x: 0, y, width, height: LANE, class: i % 2 ? "lane-bg odd" : "lane-bg" }),
      s("text", { x: 6, y: y + 15, class: lane.agent ? "lane-label" : "lane-label account" }, clip(lane.label, 28)),
    );
    for (const raw of lane.bands) {
      const b = { ...raw, detail: raw.detail && raw.detail !== "null" ? raw.detail : null };
      const from = b.from_ms;
      const to = b.to_ms ?? t1;
      const bx = x(from);
      const bw = Math.max(2, x(to) - bx);
      const detail = `${b.state} (${b.severity}) · ${when(from, "7d")} – ${b.to_ms ? when(b.to_ms, "7d") : "now"} · ${duration(to - from)}${b.detail ? ` · ${b.detail}` : ""}`;
      const band = s(
        "g",
        {
          class: `band b-${b.severity}`,
          tabindex: 0,
          role: "img",
          "aria-label": `${lane.label}: ${detail}`,
          "data-state": b.state,
          "data-severity": b.severity,
          onmouseenter: (e) => showTip(e.currentTarget, lane.label, b, from, to),
          onfocus: (e) => showTip(e.currentTarget, lane.label, b, from, to),
          onmouseleave: () => (tip.hidden = true),
          onblur: () => (tip.hidden = true),
        },
        s("title", {}, `${lane.label}: ${detail}`),
        s("rect", { x: bx, y: y + 3, width: bw, height: LANE - 6, rx: 3, class: "fill" }),
        ["critical", "warning", "unknown"].includes(b.severity)
          ? s("rect", { x: bx, y: y + 3, width: bw, height: LANE - 6, rx: 3, fill: `url(#pat-${b.severity})`, class: "texture" })
          : s("g"),
      );
      if (bw > 26) {
        const text = bw > 70 ? `${SYMBOL[b.severity] || ""} ${clip(b.state, Math.floor(bw / 7) - 2)}` : SYMBOL[b.severity] || "";
        band.append(s("text", { x: bx + 4, y: y + 15, class: "band-label" }, text));
      }
      g.append(band);
    }
    svg.append(g);
  });
  box.replaceChildren(svg);
}

function clip(text, n) {
  return text.length > n ? `${text.slice(0, Math.max(1, n - 1))}…` : text;
}

function showTip(el, label, b, from, to) {
  const tip = $("#timeline-tip");
  const lines = [
    h("div", { class: "tip-title" }, label),
    h("div", {}, badge(b.severity), " ", h("strong", {}, b.state)),
    h("div", {}, `${new Date(from).toLocaleString()} – ${b.to_ms ? new Date(b.to_ms).toLocaleString() : "now"}`),
    h("div", {}, `for ${duration(to - from)}`),
  ];
  if (b.detail) lines.push(h("div", { class: "tip-detail" }, b.detail));
  tip.replaceChildren(...lines);
  tip.hidden = false;
  const box = $("#timeline").getBoundingClientRect();
  const r = el.getBoundingClientRect();
  const parent = tip.offsetParent ? tip.offsetParent.getBoundingClientRect() : box;
  tip.style.left = `${Math.max(0, Math.min(r.left - parent.left, box.width - 280))}px`;
  tip.style.top = `${r.bottom - parent.top + 6}px`;
}

export const KIND_LABEL = {
  changed: "change",
  identity_changed: "identity",
  over_limit: "time limit",
  appeared: "appeared",
  vanished: "vanished",
  account_unreachable: "outage",
  account_recovered: "recovered",
  notification: "notification",
  route: "program / webhook",
};

// What happened, as core's HistoryEntry::transition words it: where the agent did not move, a
// time limit passed is its state words alone ("rest over its 15 min limit") and a new identity
// is "re-registered" (the identities are the detail).
export function what(r) {
  if (r.kind === "notification" || r.kind === "route") return r.summary || "";
  if (r.kind === "over_limit") return r.new_state || "";
  if (r.kind === "identity_changed") return "re-registered";
  if (r.old_state || r.new_state) return `${r.old_state ?? ""} → ${r.new_state ?? ""}`;
  return "";
}

function renderTable(rows, f) {
  const body = $("#history-body");
  body.replaceChildren(
    ...rows.map((r) =>
      h(
        "tr",
        { dataset: { kind: r.kind, account: r.account_id, agent: r.agent_id || "", vendor: r.vendor || "" } },
        h("td", { class: "time", title: new Date(r.at_ms).toLocaleString() }, when(r.at_ms, f.range === "1h" ? "1h" : "7d")),
        h("td", {}, h("span", { class: `kind k-${r.kind}` }, KIND_LABEL[r.kind] || r.kind)),
        h("td", { title: r.vendor ? `${vendorLabel(r.vendor)} · ${r.account_id}` : r.account_id }, r.account_name || r.account_id),
        h("td", {}, r.agent_id ? (r.agent_name ? `${r.agent_name} (${r.agent_id})` : r.agent_id) : "—"),
        h("td", {}, what(r), r.reason && r.kind === "notification" ? h("div", { class: "detail" }, `why: ${r.reason}`) : null),
        // A notification's severity is the change's (its urgency is the notification server's).
        h("td", {}, r.severity ? badge(r.severity) : "—"),
        h("td", { class: "detail" }, [r.detail, r.duration_secs != null ? `after ${duration(r.duration_secs * 1000)}` : null].filter(Boolean).join(" · ")),
      ),
    ),
  );
  const empty = $("#history-empty");
  empty.hidden = rows.length > 0;
  empty.textContent = "No rows match these filters.";
}

async function exportCsv() {
  const msg = $("#hist-export-msg");
  const button = $("#hist-export");
  button.disabled = true;
  msg.textContent = "Exporting…";
  try {
    const out = await call("export_history_csv", { query: query(filters()) });
    msg.textContent = `Exported to ${out.path}`;
  } catch (e) {
    msg.textContent = describeError(e);
  } finally {
    button.disabled = false;
  }
}

export function initHistory() {
  const f = $("#history-filters");
  f.addEventListener("submit", (e) => e.preventDefault());
  f.addEventListener("change", () => loadHistory());
  let typing;
  $("#hist-agent").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(loadHistory, 300);
  });
  $("#hist-refresh").addEventListener("click", () => loadHistory());
  $("#hist-export").addEventListener("click", exportCsv);
  window.addEventListener("resize", () => {
    if (!$("#panel-history").hidden) loadHistory();
  });
}
