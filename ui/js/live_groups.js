// An account's group in the live table: the content of its header row (collapse toggle, name,
// vendor, reachability, how many agents, and the counts by state a supervisor reads first:
// "612 idle · 903 talking · 41 rest · 12 signed out"), and the place where another module adds
// its own part under them (a strip of queue tiles, say) through `extendGroupHeader`.
import { h, vendorLabel, ago } from "./dom.js";
import { describeError } from "./api.js";
import { countsByState, isAgent, plural } from "./items.js";

/// Each extension: { render(account, items) -> Node | null, shows?(item) -> bool }.
/// `render` gets the account's status and every item of the account (agents and others) and
/// returns what goes under the counts; items it `shows` are left out of the agent rows.
const extensions = [];

export function extendGroupHeader(extension) {
  extensions.push(extension);
}

/// True when an extension shows this item itself, in the group's header.
export function shownInHeader(item) {
  return extensions.some((e) => e.shows && e.shows(item));
}

export const HEALTH_WORDS = { pending: "connecting…", ok: "reachable", unreachable: "unreachable" };

export function healthText(account) {
  const words = HEALTH_WORDS[account.health] || account.health;
  return account.health === "unreachable" && account.error ? `${words}: ${describeError(account.error)}` : words;
}

/// What the header shows, as one string: the header is drawn again only when it changes. Items
/// that are not agents count in full (an extension draws them); agents through their counts.
export function groupSignature(account, items, shown, collapsed) {
  const others = items.filter((i) => !isAgent(i)).map((i) => [i.agent_id, i.state, i.severity, i.stale, i.detail, i.name, i.time_in_state, i.finding, i.figures]);
  const counts = countsByState(items).map((c) => `${c.count} ${c.state} ${c.severity}`);
  return JSON.stringify([account.name, account.vendor, account.health, account.error, shown, collapsed, counts, others]);
}

/// The header's cell content for `account` with its `items`, `shown` of its agents passing the
/// filters, collapsed or not.
export function groupHeader(account, items, shown, collapsed) {
  const agents = items.filter(isAgent).length;
  const verb = collapsed ? "Expand" : "Collapse";
  const counts = countsByState(items);
  return h(
    "div",
    { class: "gh" },
    h(
      "div",
      { class: "gh-line" },
      h(
        "button",
        {
          type: "button",
          class: "gh-toggle",
          tabindex: "-1",
          dataset: { action: "toggle-group", focusKey: `toggle:${account.id}` },
          "aria-expanded": String(!collapsed),
          "aria-label": `${verb} ${account.name}`,
          title: `${verb} (Enter)`,
        },
        collapsed ? "▸" : "▾",
      ),
      h("span", { class: `dot h-${account.health}`, "aria-hidden": "true" }),
      h("span", { class: "gh-name", title: account.name }, account.name),
      h("span", { class: "vendor" }, vendorLabel(account.vendor)),
      // Reachable goes without saying; anything else is said, with the reason.
      account.health === "ok" ? null : h("span", { class: `gh-health h-${account.health}`, title: healthText(account) }, healthText(account)),
      h("span", { class: "gh-count" }, plural(agents, "agent"), shown !== agents ? ` · ${shown.toLocaleString()} shown` : ""),
      h(
        "ul",
        { class: "state-counts", "aria-label": `${account.name} by state` },
        counts.map((c) =>
          h("li", { class: `sc s-${c.severity}`, title: `${plural(c.count, "agent")} ${c.state} (${c.severity})` }, h("b", {}, c.count.toLocaleString()), ` ${c.state}`),
        ),
      ),
      h("span", { class: "time gh-polled", dataset: { ago: account.last_poll_ms || "", prefix: "polled " } }, `polled ${ago(account.last_poll_ms)}`),
    ),
    extensions.map((e) => e.render(account, items)),
  );
}
