// The wallboard: the live view for a wall display or a second monitor, full screen, in type
// sized to the screen (readable from three metres on a 1080p wall screen): per account the
// counts by state, and every agent that is not ok, the worst and longest in state first, as many
// as fit with the rest counted. Opened with the Live view's Wallboard button or `w`; Escape or `w`
// leaves it.
import { h, $, badge, clock } from "./dom.js";
import { call } from "./api.js";
import { countsByState, countsBySeverity, effective, enteredMs, inStateText, isAgent, isApproximate, isProblem, plural, RANK } from "./items.js";
import { healthText } from "./live_groups.js";
import { accountItems } from "./queues.js";

let open = false;
let latest = null; // { status, items } of the last update
let ticker = null;
let returnFocus = null;

export function wallboardOpen() {
  return open;
}

export function openWallboard() {
  if (open) return;
  open = true;
  returnFocus = document.activeElement;
  document.body.classList.add("wallboard-on");
  $("#wallboard").hidden = false;
  fullscreen(true);
  render();
  ticker = setInterval(render, 1000);
  // The board itself takes the focus (no focus ring on a wall display); Escape leaves it.
  $("#wallboard").focus();
}

export function closeWallboard() {
  if (!open) return;
  open = false;
  clearInterval(ticker);
  document.body.classList.remove("wallboard-on");
  $("#wallboard").hidden = true;
  fullscreen(false);
  if (returnFocus && returnFocus.isConnected) returnFocus.focus();
}

// The window goes full screen through the app (a wall display has no use for its frame); where
// that is refused the wallboard still fills the window.
function fullscreen(on) {
  call("set_fullscreen", { on }).catch(() => {});
}

export function updateWallboard(status, items) {
  latest = { status, items };
  if (open) render();
}

function accountTile(account, items) {
  const agents = items.filter(isAgent);
  const counts = countsByState(items);
  return h(
    "section",
    { class: `wb-account h-${account.health}`, dataset: { account: account.id }, "aria-label": account.name },
    h("h2", { class: "wb-account-name" }, account.name, h("span", { class: "wb-agents" }, plural(agents.length, "agent"))),
    account.health !== "ok" ? h("p", { class: "wb-health" }, healthText(account)) : null,
    h(
      "ul",
      { class: "wb-counts" },
      counts.map((c) => h("li", { class: `wb-count s-${c.severity}`, dataset: { state: c.state } }, h("b", {}, c.count.toLocaleString()), h("span", {}, c.state))),
    ),
  );
}

function problemRow(item, now) {
  const sev = effective(item);
  const named = item.name && item.name !== item.agent_id;
  return h(
    "li",
    { class: `wb-row s-${sev}`, dataset: { account: item.account_id, agent: item.agent_id, severity: sev } },
    badge(sev),
    h("span", { class: "wb-who" }, h("span", { class: "wb-name" }, named ? item.name : item.agent_id), named ? h("span", { class: "wb-id" }, item.agent_id) : null),
    h("span", { class: "wb-state" }, item.stale ? `${item.state} (last known)` : item.state),
    h("span", { class: "wb-time" }, inStateText(now - enteredMs(item), isApproximate(item))),
    h("span", { class: "wb-acc" }, item.account_name),
  );
}

function render() {
  if (!latest) return;
  const { status, items } = latest;
  const now = Date.now();
  const all = status.agents.filter(isAgent);
  const sev = countsBySeverity(all);
  $("#wb-face").className = `face ${status.tray || "unknown"}`;
  $("#wb-summary").textContent = status.summary || "";
  $("#wb-clock").textContent = clock(now).slice(0, 5);
  $("#wb-accounts").replaceChildren(...status.accounts.map((a) => accountTile(a, items.get(a.id) || [])));
  const problems = all.filter(isProblem).sort((a, b) => RANK[effective(b)] - RANK[effective(a)] || enteredMs(a) - enteredMs(b));
  const shown = problems.slice(0, 60);
  $("#wb-problems-title").textContent = problems.length
    ? `Not ok: ${plural(problems.length, "agent")} (${sev.critical} critical, ${sev.warning} warning, ${sev.unknown} unknown)`
    : "";
  $("#wb-all-ok").hidden = problems.length > 0 || all.length === 0;
  const list = $("#wb-list");
  list.replaceChildren(...shown.map((item) => problemRow(item, now)));
  fit(list, problems.length);
  fitAccounts();
}

// Rows past the bottom of the screen are taken off and counted in a last line instead.
function fit(list, total) {
  const bottom = list.getBoundingClientRect().bottom;
  const rows = Array.from(list.children);
  let cut = rows.findIndex((r) => r.getBoundingClientRect().bottom > bottom + 1);
  if (cut < 0 && rows.length === total) return;
  if (cut < 0) cut = rows.length;
  // The "more" line takes the place of the last row that fits.
  cut = Math.max(0, cut - 1);
  for (const r of rows.slice(cut)) r.remove();
  list.append(h("li", { class: "wb-more" }, `+ ${(total - cut).toLocaleString()} more not ok`));
}

// Many accounts: the tiles get smaller until every account's counts are on screen.
function fitAccounts() {
  const box = $("#wb-accounts");
  for (const level of ["", "dense", "denser"]) {
    box.dataset.fit = level;
    if (box.scrollHeight <= box.clientHeight + 1) return;
  }
}
