// Time-in-state limits in the account form ([accounts.time_limits]): one row per state with a
// warning and a critical duration, and the vendor's presets (from the core's form description,
// `time_limit_presets`) one click each. The core checks the same rules again on save.

import { h, $ } from "./dom.js";

let rows = []; // [{ state, warning, critical }], in the order shown
let presets = [];

const UNITS = { h: 3600, m: 60, s: 1 };
const WEEK = 7 * 24 * 3600;

/// Seconds of "90s", "15m", "1h", "1h30m" (largest unit first, each once), or an error text.
export function limitSeconds(raw) {
  const text = (raw || "").trim().toLowerCase();
  if (!/^(\d+h)?(\d+m)?(\d+s)?$/.test(text) || !text) {
    return { error: `"${raw}" is not a duration: write it like 90s, 15m, 1h or 1h30m` };
  }
  let secs = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([hms])/g)) secs += Number(n) * UNITS[unit];
  if (secs === 0) return { error: "A limit must be longer than zero" };
  if (secs > WEEK) return { error: "At most a week (168h)" };
  return { secs };
}

/// "15 min", "2 h 30 min": how a limit reads in the presets' buttons.
function words(raw) {
  const { secs } = limitSeconds(raw);
  if (!secs) return raw;
  if (secs < 60) return `${secs} s`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min`;
  const m = Math.floor((secs % 3600) / 60);
  return m ? `${Math.floor(secs / 3600)} h ${m} min` : `${secs / 3600} h`;
}

/// Fills the editor from an account's limits and its vendor's presets.
export function drawTimeLimits(limits, vendorPresets) {
  rows = Object.entries(limits || {}).map(([state, l]) => ({
    state,
    warning: l.warning || "",
    critical: l.critical || "",
  }));
  setTimeLimitPresets(vendorPresets);
}

/// Another vendor was picked: offer its presets (the rows typed so far stay).
export function setTimeLimitPresets(vendorPresets) {
  presets = vendorPresets || [];
  render();
}

function usePreset(p) {
  const same = rows.find((r) => r.state.toLowerCase() === p.state.toLowerCase());
  if (same) Object.assign(same, { warning: p.warning, critical: p.critical });
  else rows.push({ state: p.state, warning: p.warning, critical: p.critical });
  showMessage(null);
  render();
}

function render() {
  const list = $("#acc-limits-list");
  if (!list) return;
  const input = (row, key, label, placeholder) =>
    h("input", {
      value: row[key],
      placeholder,
      "aria-label": label,
      autocomplete: "off",
      spellcheck: "false",
      oninput: (e) => {
        row[key] = e.target.value;
        showMessage(null);
      },
    });
  list.replaceChildren(
    ...rows.map((row, i) =>
      h(
        "li",
        { class: "limit-row" },
        // The example state is one of this vendor's own (Huawei's "rest", Agora's "RECOVERING").
        input(row, "state", "State (label or native value)", presets[0]?.state || "state"),
        input(row, "warning", `Warning after (${row.state || "state"})`, "15m"),
        input(row, "critical", `Critical after (${row.state || "state"})`, "30m"),
        h(
          "button",
          {
            type: "button",
            class: "btn",
            "aria-label": `Remove the limit for ${row.state || "this state"}`,
            onclick: () => {
              rows.splice(i, 1);
              render();
            },
          },
          "×",
        ),
      ),
    ),
  );
  $("#acc-limits-presets").replaceChildren(
    ...presets.map((p) =>
      h(
        "button",
        { type: "button", class: "btn preset", title: `${p.state}: warning after ${p.warning}, critical after ${p.critical}`, onclick: () => usePreset(p) },
        `${p.label} ${words(p.warning)} / ${words(p.critical)}`,
      ),
    ),
  );
}

function showMessage(text) {
  const msg = $("#acc-limits-msg");
  if (msg) msg.textContent = text || "";
}

/// Checks every row in place; false (with the reason shown) when one is wrong.
export function checkTimeLimits() {
  const seen = new Set();
  for (const row of rows) {
    const state = row.state.trim();
    if (!state) return fail("Name the state (its label, like rest, or its value, like 8)");
    if (seen.has(state.toLowerCase())) return fail(`"${state}" has two limits`);
    seen.add(state.toLowerCase());
    if (!row.warning.trim() && !row.critical.trim()) return fail(`Give "${state}" a warning or a critical limit`);
    const w = row.warning.trim() ? limitSeconds(row.warning) : {};
    const c = row.critical.trim() ? limitSeconds(row.critical) : {};
    if (w.error) return fail(`${state}, warning: ${w.error}`);
    if (c.error) return fail(`${state}, critical: ${c.error}`);
    if (w.secs && c.secs && c.secs <= w.secs) return fail(`${state}: the critical limit must be longer than the warning`);
  }
  showMessage(null);
  return true;
}

function fail(text) {
  showMessage(text);
  return false;
}

/// The limits as the config writes them: { state: { warning, critical } }.
export function collectTimeLimits() {
  const out = {};
  for (const row of rows) {
    const state = row.state.trim();
    if (!state) continue;
    const limit = {};
    if (row.warning.trim()) limit.warning = row.warning.trim();
    if (row.critical.trim()) limit.critical = row.critical.trim();
    out[state] = limit;
  }
  return out;
}

export function initTimeLimits() {
  $("#acc-limits-add")?.addEventListener("click", () => {
    rows.push({ state: "", warning: "", critical: "" });
    render();
    $("#acc-limits-list li:last-child input")?.focus();
  });
}

/// "16 min", "≥ 12 min" (when the agent was in the state before watching began).
function spent(ms, approximate) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const text = s < 60 ? `${s} s` : s < 3600 ? `${Math.floor(s / 60)} min` : `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return approximate ? `≥ ${text}` : text;
}

/// The live view's line under an agent's state when its account has a limit for that state:
/// "rest 16 min / 15 min limit", marked when past it. Nothing for states without a limit.
export function timeInStateNote(agent, now = Date.now()) {
  const t = agent.time_in_state;
  const limit = t && t.limit;
  if (!limit) return null;
  const over = limit.over || null;
  // The limit passed, or the next one to pass.
  const secs = over === "critical" ? limit.critical_secs : limit.warning_secs ?? limit.critical_secs;
  const text = `${agent.state} ${spent(now - t.entered_ms, t.approximate)} / ${words(`${secs}s`)} limit`;
  return h(
    "div",
    {
      class: `detail time-in-state${over ? ` limit-over ${over}` : ""}`,
      title: t.approximate ? "In this state since before watching began: at least this long" : null,
    },
    text,
  );
}
