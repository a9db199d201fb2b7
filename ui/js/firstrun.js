// The first-run view: shown on the Live tab while no account is configured, and again on request
// from Settings › About. It leads into the account form with a vendor chosen, or restarts the app
// in the demo; it says where the configuration and the secrets go, and checks at once whether
// the desktop services AgentWatch needs are there.
import { call, describeError } from "./api.js";
import { h, $ } from "./dom.js";
import { openAccountForm } from "./accounts.js";

let info = { demo: false, keyring: true, config_path: "" };
let configBroken = false;
let hasAccounts = true; // until the first answer: no flash of the view for configured users
let asked = false; // opened from About although accounts exist

export async function initFirstRun(appInfo, dashboard) {
  info = appInfo;
  configBroken = !!dashboard.config_error;
  $("#about-version").textContent = `version ${appInfo.version}`;
  $("#fr-config-path").textContent = appInfo.config_path;
  if (!appInfo.keyring) {
    $("#fr-secrets").textContent = "In the demo, the simulators’ throw-away secrets are held in memory. With your own accounts they go to the system keyring (Secret Service), never to the configuration file.";
  }
  $("#fr-demo").textContent = appInfo.demo ? "Leave the demo" : "Start the demo";
  $("#fr-demo").addEventListener("click", () => switchDemo(!info.demo, $("#fr-demo"), $("#fr-demo-msg")));
  $("#btn-leave-demo").addEventListener("click", () => switchDemo(false, $("#btn-leave-demo"), $("#fr-demo-msg")));
  $("#fr-recheck").addEventListener("click", checkServices);
  $("#fr-close").addEventListener("click", () => {
    asked = false;
    render();
  });
  $("#btn-welcome").addEventListener("click", () => {
    asked = true;
    $("#tab-live").click();
    render();
    $("#first-run-title").scrollIntoView();
  });
  // The vendors are the account form's own: whatever it offers, this view offers.
  new MutationObserver(renderVendors).observe($("#acc-vendor"), { childList: true, subtree: true });
  renderVendors();
  await accountsChanged();
}

// Called whenever an account is added or removed.
export async function accountsChanged() {
  try {
    hasAccounts = (await call("list_accounts")).length > 0;
  } catch (err) {
    hasAccounts = false;
  }
  render();
}

function render() {
  const shown = !configBroken && (asked || (!hasAccounts && !info.demo));
  const view = $("#first-run");
  const wasHidden = view.hidden;
  view.hidden = !shown;
  $("#panel-live").classList.toggle("welcome", shown);
  $("#fr-close").hidden = !hasAccounts;
  if (shown && wasHidden) checkServices();
}

function renderVendors() {
  const options = Array.from($("#acc-vendor").options);
  $("#fr-vendors").replaceChildren(
    ...options.map((o) =>
      h(
        "button",
        { type: "button", class: "btn fr-vendor", dataset: { vendor: o.value }, onclick: () => openAccountForm(o.value) },
        o.textContent.trim(),
      ),
    ),
  );
}

let checking = null;

async function checkServices() {
  if (checking) return checking;
  const list = $("#fr-services");
  list.setAttribute("aria-busy", "true");
  checking = call("desktop_services")
    .then((checks) => list.replaceChildren(...checks.map(serviceItem)))
    .catch((err) => list.replaceChildren(h("li", { class: "svc missing" }, `The check failed: ${describeError(err)}`)))
    .finally(() => {
      list.removeAttribute("aria-busy");
      checking = null;
    });
  return checking;
}

function serviceItem(c) {
  const state = c.found ? "found" : "missing";
  return h(
    "li",
    { class: `svc ${state}`, dataset: { service: c.id, state } },
    h("span", { class: "svc-mark", "aria-hidden": "true" }, c.found ? "✔" : "✖"),
    h(
      "div",
      { class: "svc-text" },
      h("div", { class: "svc-name" }, c.label, " ", h("span", { class: "svc-state" }, c.found ? "found" : "not found")),
      h("div", { class: "svc-detail" }, `${capitalised(c.detail)} · ${c.purpose}`),
      c.remedy ? h("div", { class: "svc-remedy" }, c.remedy) : null,
    ),
  );
}

function capitalised(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// The app quits and starts again in (or out of) the demo: this page goes with it.
async function switchDemo(demo, button, msg) {
  button.disabled = true;
  msg.textContent = "";
  $("#overall-text").textContent = demo ? "Restarting in demo mode…" : "Leaving the demo…";
  try {
    await call("switch_demo", { demo });
  } catch (err) {
    button.disabled = false;
    msg.textContent = describeError(err);
  }
}
