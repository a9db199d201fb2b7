// The dashboard's entry point: loads the state once, then listens to what Rust pushes.
import { call, on, describeError } from "./api.js";
import { $, $$ } from "./dom.js";
import { initLive, setStatus, setEvents, addEvents } from "./live.js";
import { initAccounts, loadAccounts } from "./accounts.js";
import { initSettings, loadSettings } from "./settings.js";
import { setAlerts } from "./alerts.js";
import { initHistory, loadHistory } from "./history.js";
import { initFirstRun, accountsChanged } from "./firstrun.js";

function initTabs() {
  const tabs = $$('[role="tab"]');
  const select = (tab, focus) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(`#${t.getAttribute("aria-controls")}`).hidden = !on;
    }
    if (focus) tab.focus();
    if (tab.id === "tab-accounts") loadAccounts();
    if (tab.id === "tab-settings") loadSettings();
    if (tab.id === "tab-history") loadHistory();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab, false));
    tab.addEventListener("keydown", (e) => {
      const move = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (move) select(tabs[(i + move + tabs.length) % tabs.length], true);
      if (e.key === "Home") select(tabs[0], true);
      if (e.key === "End") select(tabs[tabs.length - 1], true);
    });
  });
}

function initTopbar() {
  $("#btn-poll").addEventListener("click", () => call("poll_now").catch((e) => console.error(describeError(e))));
  const button = $("#btn-pause");
  const menu = $("#pause-menu");
  const close = () => {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
  };
  button.addEventListener("click", () => {
    menu.hidden = !menu.hidden;
    button.setAttribute("aria-expanded", String(!menu.hidden));
    if (!menu.hidden) menu.querySelector("button").focus();
  });
  menu.addEventListener("keydown", (e) => {
    const items = $$("button", menu);
    const i = items.indexOf(document.activeElement);
    if (e.key === "Escape") {
      close();
      button.focus();
    }
    if (e.key === "ArrowDown") items[(i + 1) % items.length].focus();
    if (e.key === "ArrowUp") items[(i - 1 + items.length) % items.length].focus();
  });
  for (const item of $$("button", menu)) {
    item.addEventListener("click", async () => {
      close();
      await call("pause_notifications", { mode: item.dataset.pause });
    });
  }
  document.addEventListener("click", (e) => {
    if (!menu.hidden && !menu.contains(e.target) && e.target !== button) close();
  });
}

async function start() {
  initTabs();
  initTopbar();
  initLive();
  initHistory();
  initAccounts(accountsChanged);
  // Listen first, then load, so that nothing pushed in between is lost.
  await on("status", setStatus);
  await on("agent-events", addEvents);
  await on("alerts", setAlerts);
  const d = await call("dashboard");
  setAlerts(await call("alerts"));
  setStatus(d.status);
  setEvents(d.events);
  initSettings(d.config_path);
  $("#demo-banner").hidden = !d.demo;
  await initFirstRun(await call("app_info"), d);
  if (d.config_error) {
    const banner = $("#config-error");
    banner.hidden = false;
    banner.textContent = `The configuration file did not load, so AgentWatch runs with no accounts and will not write over it. Fix it and restart.\n${d.config_error.message}`;
  }
  document.body.dataset.ready = "true";
}

start().catch((e) => {
  const banner = $("#config-error");
  banner.hidden = false;
  banner.textContent = `The dashboard could not start: ${describeError(e)}`;
});
