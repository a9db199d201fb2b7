// The account cards above the live table, one compact line each, in one row: name, vendor,
// reachability (the reason when unreachable), how many agents and how many not ok, maintenance
// and snooze, and the account's actions (snooze, maintenance) in a menu; the last poll is in the
// card's tooltip and its group's header. A card is drawn again only when what it shows changed,
// so an open menu and a half-typed maintenance time survive the polls.
import { h, $, vendorLabel, clock } from "./dom.js";
import { alertCell, alertSignature, snoozeChip } from "./alerts.js";
import { maintenanceChip, maintenanceActions, maintenanceFor } from "./maintenance.js";
import { countsBySeverity, isAgent, plural } from "./items.js";
import { healthText } from "./live_groups.js";

const cards = new Map(); // account id -> { el, toggle, menu, sig }
let openMenu = null; // account id whose menu is open
let onShowGroup = () => {};

/// `showGroup(accountId)`: what a click on a card's name does (bring its group into view).
export function initCards(showGroup) {
  onShowGroup = showGroup;
  document.addEventListener("click", (e) => {
    if (openMenu && !e.target.closest(`.acard[data-account="${CSS.escape(openMenu)}"]`)) closeMenu(false);
  });
  $("#account-cards").addEventListener("keydown", (e) => {
    if (e.key === "Escape" && openMenu) {
      e.stopPropagation();
      closeMenu(true);
    }
  });
}

function closeMenu(focusButton) {
  const id = openMenu;
  openMenu = null;
  const card = cards.get(id);
  if (!card) return;
  card.menu.hidden = true;
  card.toggle.setAttribute("aria-expanded", "false");
  if (focusButton) card.toggle.focus();
}

function toggleMenu(id) {
  if (openMenu === id) return closeMenu(true);
  if (openMenu) closeMenu(false);
  const card = cards.get(id);
  if (!card) return;
  openMenu = id;
  card.menu.hidden = false;
  card.toggle.setAttribute("aria-expanded", "true");
  const first = card.menu.querySelector("button");
  if (first) first.focus();
}

function signature(a, items) {
  const sev = countsBySeverity(items);
  const m = maintenanceFor(a.id);
  return JSON.stringify([a.name, a.vendor, a.health, a.error, items.filter(isAgent).length, sev, alertSignature(a.id, null), m ? m.until : null]);
}

function drawCard(a, items) {
  const agents = items.filter(isAgent).length;
  const sev = countsBySeverity(items);
  const problems = sev.critical + sev.warning + sev.unknown;
  const menuId = `acard-menu-${a.id}`;
  const toggle = h(
    "button",
    {
      type: "button",
      class: "btn small menu-toggle",
      "aria-haspopup": "true",
      "aria-expanded": "false",
      "aria-controls": menuId,
      "aria-label": `Actions of ${a.name}`,
      title: "Snooze, maintenance",
      dataset: { action: "account-menu", focusKey: `acard-menu:${a.id}` },
      onclick: () => toggleMenu(a.id),
    },
    "⋯",
  );
  // Picking an action closes the menu (its outcome shows on the card); a field inside stays.
  const menu = h(
    "div",
    {
      class: "acard-menu",
      id: menuId,
      role: "group",
      "aria-label": `Actions of ${a.name}`,
      hidden: openMenu !== a.id,
      onclick: (e) => {
        const button = e.target.closest("button");
        if (button && button.dataset.action !== "maintenance-until") setTimeout(() => closeMenu(false), 0);
      },
    },
    alertCell(a.id, null, a.name),
    maintenanceActions(a.id, a.name),
  );
  if (openMenu === a.id) toggle.setAttribute("aria-expanded", "true");
  const health = healthText(a);
  const el = h(
    "div",
    { class: `acard h-${a.health}`, dataset: { account: a.id } },
    h("span", { class: `dot h-${a.health}`, "aria-hidden": "true" }),
    h(
      "button",
      { type: "button", class: "name linkish", title: `${a.name}: show its agents`, dataset: { focusKey: `acard-name:${a.id}` }, onclick: () => onShowGroup(a.id) },
      a.name,
    ),
    h("span", { class: "vendor" }, vendorLabel(a.vendor)),
    a.health === "ok"
      ? h("span", { class: "meta" }, plural(agents, "agent"), problems ? h("span", { class: "problems" }, ` · ${problems.toLocaleString()} not ok`) : null)
      : h("span", { class: `meta health h-${a.health}`, title: health }, health),
    maintenanceChip(a.id),
    snoozeChip(a.id, null),
    toggle,
    menu,
  );
  return { el, toggle, menu };
}

/// Draws the cards for `status`; `items` holds each account's items.
export function renderCards(status, items) {
  const strip = $("#account-cards");
  const wanted = [];
  const seen = new Set();
  for (const a of status.accounts) {
    const list = items.get(a.id) || [];
    const sig = signature(a, list);
    let card = cards.get(a.id);
    if (!card || card.sig !== sig) {
      const focused = document.activeElement;
      const focusKey = card && card.el.contains(focused) ? focused.dataset.focusKey : null;
      const fresh = drawCard(a, list);
      if (card) card.el.replaceWith(fresh.el);
      card = { ...fresh, sig };
      cards.set(a.id, card);
      if (focusKey) {
        const again = card.el.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
        if (again) again.focus();
      }
    }
    card.el.title = a.last_poll_ms ? `${a.name}: polled at ${clock(a.last_poll_ms)}` : `${a.name}: not polled yet`;
    seen.add(a.id);
    wanted.push(card.el);
  }
  for (const id of cards.keys()) if (!seen.has(id)) cards.delete(id);
  if (openMenu && !seen.has(openMenu)) openMenu = null;
  const same = wanted.length === strip.children.length && wanted.every((el, i) => strip.children[i] === el);
  if (!same) strip.replaceChildren(...wanted);
}
