// Accounts: list, add, edit, remove, test connection, watch list. The secret and proxy password
// fields are write-only: the UI is only told whether one is stored, and never gets it back.
import { call, asError, describeError } from "./api.js";
import { h, $, $$, vendorLabel } from "./dom.js";
import * as v from "./validate.js";

const SECRET_LABEL = {
  huawei_signin: "Password of the supervisor seat",
  huawei_guid: "Session Guid",
  agora: "Customer secret",
  segura: "Client secret",
};
const BASE_URL_HINT = {
  huawei: "The CC-Gateway, e.g. https://10.1.2.3:8043 (the /agentgateway path is added)",
  agora: "Leave empty for https://api.agora.io",
  segura: "The Segura server, e.g. https://segura.example.com",
};

let accounts = [];
let editing = null; // the account being edited, or null when adding
let watch = [];
let onChange = () => {};

const dialog = () => $("#account-dialog");
const form = () => $("#account-form");
const field = (name) => form().elements.namedItem(name);

export function initAccounts(changed) {
  onChange = changed;
  $("#btn-add-account").addEventListener("click", () => openForm(null));
  $("#acc-vendor").addEventListener("change", () => {
    clearMessages();
    applyVendor();
  });
  $("#acc-auth").addEventListener("change", applyVendor);
  $("#acc-all").addEventListener("change", applyVendor);
  $("#acc-watch-add").addEventListener("click", addWatch);
  $("#acc-watch-input").addEventListener("keydown", (e) => {
    if (e.key === "Enter") {
      e.preventDefault();
      addWatch();
    }
  });
  $("#acc-cancel").addEventListener("click", () => dialog().close());
  $("#acc-test").addEventListener("click", testConnection);
  form().addEventListener("submit", (e) => {
    e.preventDefault();
    save();
  });
  // Validate in place as the user leaves a field.
  for (const name of ["id", "base_url", "workno", "poll_interval_secs", "timeout_secs"]) {
    field(name).addEventListener("blur", () => checkField(name));
    field(name).addEventListener("input", () => showMessage(name, null));
  }
  $("#acc-watch-input").addEventListener("input", () => showMessage("watch", null));
}

export async function loadAccounts() {
  try {
    accounts = await call("list_accounts");
  } catch (err) {
    accounts = [];
    $("#accounts-list").replaceChildren(h("p", { class: "empty" }, describeError(err)));
    return;
  }
  render();
}

function secretText(a) {
  return {
    keyring: ["stored", "Secret stored in the keyring"],
    environment: ["stored", "Secret from the environment"],
    memory: ["stored", "Secret held in memory (demo)"],
    missing: ["missing", "No secret stored"],
    unavailable: ["unavailable", `Keyring unavailable${a.secret_error ? `: ${a.secret_error.message}` : ""}`],
  }[a.secret] || ["missing", a.secret];
}

function watchText(a) {
  if (!a.watch || a.watch.length === 0) return "all agents";
  if (a.watch.length <= 6) return `watching ${a.watch.join(", ")}`;
  return `watching ${a.watch.length} agents`;
}

function render() {
  const list = $("#accounts-list");
  if (accounts.length === 0) {
    list.replaceChildren(
      h("p", { class: "empty" }, "No accounts yet. Add one per vendor API you want to watch: Huawei CC-Gateway, Agora Conversational AI or Segura Network Connector."),
    );
    return;
  }
  list.replaceChildren(
    ...accounts.map((a) => {
      const [cls, text] = secretText(a);
      return h(
        "div",
        { class: "arow", dataset: { account: a.id } },
        h(
          "div",
          { class: "main" },
          h("div", { class: "title" }, a.name || a.id, " ", h("span", { class: "vendor" }, vendorLabel(a.vendor))),
          h("div", { class: "sub" }, `${a.id} · ${a.base_url || "https://api.agora.io"} · ${watchText(a)}`),
        ),
        h("span", { class: `secret-state ${cls}` }, text),
        h("button", { type: "button", class: "btn small", "aria-label": `Edit ${a.name || a.id}`, onclick: () => openForm(a) }, "Edit"),
        h("button", { type: "button", class: "btn small", "aria-label": `Remove ${a.name || a.id}`, onclick: () => remove(a) }, "Remove"),
      );
    }),
  );
}

// The add form with a vendor already chosen (the first-run view's vendor buttons).
export function openAddForm(vendor) {
  openForm(null, vendor);
}

function openForm(account, vendor = "huawei") {
  editing = account;
  form().reset();
  clearMessages();
  $("#test-result").hidden = true;
  $("#account-title").textContent = account ? `Edit ${account.name || account.id}` : "Add account";
  const a = account || { vendor, watch: [] };
  field("vendor").value = a.vendor;
  field("vendor").disabled = !!account;
  field("id").value = a.id || "";
  field("id").readOnly = !!account;
  for (const name of ["name", "base_url", "workno", "phonenum", "app_id", "customer_id", "channel", "client_id", "ca_file", "proxy"]) {
    field(name).value = a[name] || "";
  }
  field("auth").value = a.auth || "signin";
  field("poll_interval_secs").value = a.poll_interval_secs || "";
  field("timeout_secs").value = a.timeout_secs || "";
  watch = [...(a.watch || [])];
  $("#acc-all").checked = !!account && a.vendor !== "huawei" && watch.length === 0;
  applyVendor();
  dialog().showModal();
  (account ? field("name") : field("vendor")).focus();
}

function vendor() {
  return field("vendor").value;
}

function applyVendor() {
  const vend = vendor();
  const signin = field("auth").value === "signin";
  for (const el of $$(".vendor-huawei, .vendor-agora, .vendor-segura", form())) {
    el.hidden = !el.classList.contains(`vendor-${vend}`);
  }
  for (const el of $$(".auth-signin", form())) {
    el.hidden = vend !== "huawei" || !signin;
  }
  $("#acc-base-url-hint").textContent = BASE_URL_HINT[vend];
  const key = vend === "huawei" ? `huawei_${signin ? "signin" : "guid"}` : vend;
  $("#acc-secret-label").textContent = SECRET_LABEL[key];
  const stored = editing && ["keyring", "environment", "memory"].includes(editing.secret);
  $("#acc-secret-hint").textContent = stored
    ? "A secret is stored. Leave empty to keep it; type a new one to replace it."
    : "Stored in the system keyring, never in the configuration file.";
  field("secret").placeholder = stored ? "•••••••• (stored)" : "";
  const proxyStored = editing && ["keyring", "environment", "memory"].includes(editing.proxy_secret);
  $("#acc-proxy-secret-hint").textContent = proxyStored
    ? "A proxy password is stored. Leave empty to keep it; type a new one to replace it."
    : "Only for a proxy URL that names a user; kept in the system keyring.";
  field("proxy_secret").placeholder = proxyStored ? "•••••••• (stored)" : "";
  // Huawei gateways have no list call: agents are always named. The others may watch all.
  const allAllowed = vend !== "huawei";
  $("#acc-all-wrap").hidden = !allAllowed;
  if (!allAllowed) $("#acc-all").checked = false;
  const all = $("#acc-all").checked;
  $("#watch-add").hidden = all;
  $("#acc-watch-list").hidden = all;
  $("#acc-watch-input").placeholder = vend === "huawei" ? "Agent work number, e.g. 1001" : "Agent id";
  renderWatch();
}

function renderWatch() {
  $("#acc-watch-list").replaceChildren(
    ...watch.map((id) =>
      h(
        "li",
        {},
        id,
        h("button", { type: "button", "aria-label": `Stop watching ${id}`, onclick: () => { watch = watch.filter((w) => w !== id); renderWatch(); } }, "×"),
      ),
    ),
  );
}

function addWatch() {
  const input = $("#acc-watch-input");
  const ids = input.value.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) return;
  for (const id of ids) {
    const err = vendor() === "huawei" ? v.huaweiAgentId(id) : null;
    if (err) {
      showMessage("watch", err);
      input.focus();
      return;
    }
  }
  for (const id of ids) if (!watch.includes(id)) watch.push(id);
  input.value = "";
  showMessage("watch", null);
  renderWatch();
  input.focus();
}

function showMessage(name, text) {
  const msg = form().querySelector(`.msg[data-for="${name}"]`);
  const input = name === "watch" ? $("#acc-watch-input") : field(name);
  if (msg) msg.textContent = text || "";
  if (input && input.setAttribute) {
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
  if (!msg && text) $("#form-msg").textContent = text;
}

function clearMessages() {
  for (const m of $$(".msg", form())) m.textContent = "";
  for (const i of $$("[aria-invalid]", form())) i.removeAttribute("aria-invalid");
}

function checkField(name) {
  const value = (field(name).value || "").trim();
  let err = null;
  if (name === "id") err = v.accountId(value);
  if (name === "base_url") err = v.baseUrl(value, vendor() !== "agora");
  if (name === "workno" && vendor() === "huawei" && field("auth").value === "signin") {
    err = value ? v.huaweiAgentId(value) : "Required for sign-in";
  }
  if (name === "poll_interval_secs" || name === "timeout_secs") err = v.positiveInt(value);
  showMessage(name, err);
  return !err;
}

function requireField(name, label) {
  if (!(field(name).value || "").trim()) {
    showMessage(name, `${label} is required`);
    return false;
  }
  return true;
}

function checkAll() {
  clearMessages();
  $("#form-msg").textContent = "";
  let ok = ["id", "base_url", "poll_interval_secs", "timeout_secs"].map(checkField).every(Boolean);
  const vend = vendor();
  if (vend === "huawei") {
    if (field("auth").value === "signin") ok = checkField("workno") && ok;
    if (watch.length === 0) {
      showMessage("watch", "Add the agent ids to watch: the gateway has no list of agents");
      ok = false;
    }
  }
  if (vend === "agora") {
    ok = requireField("app_id", "App ID") && ok;
    ok = requireField("customer_id", "Customer ID") && ok;
  }
  if (vend === "segura") ok = requireField("client_id", "Client ID") && ok;
  if (!editing && !field("secret").value) {
    showMessage("secret", "Type the secret once: it goes to the keyring");
    ok = false;
  }
  return ok;
}

// The account as the core's config expects it: only this vendor's fields.
function collect() {
  const vend = vendor();
  const text = (name) => (field(name).value || "").trim() || undefined;
  const num = (name) => (field(name).value ? Number(field(name).value) : undefined);
  const a = {
    id: text("id"),
    vendor: vend,
    name: text("name") || "",
    base_url: text("base_url"),
    ca_file: text("ca_file"),
    proxy: text("proxy"),
    watch: vend !== "huawei" && $("#acc-all").checked ? [] : [...watch],
    poll_interval_secs: num("poll_interval_secs"),
    timeout_secs: num("timeout_secs"),
  };
  if (editing) {
    a.enabled = editing.enabled !== false;
    a.severity = editing.severity || {};
  }
  if (vend === "huawei") {
    a.auth = field("auth").value;
    if (a.auth === "signin") {
      a.workno = text("workno");
      a.phonenum = text("phonenum");
    }
  } else if (vend === "agora") {
    a.app_id = text("app_id");
    a.customer_id = text("customer_id");
    a.channel = text("channel");
  } else {
    a.client_id = text("client_id");
  }
  for (const k of Object.keys(a)) if (a[k] === undefined) delete a[k];
  return a;
}

function showServerError(err) {
  const e = asError(err);
  if (e.kind === "invalid" && e.field) {
    const known = form().querySelector(`.msg[data-for="${e.field}"]`);
    if (known) {
      showMessage(e.field, e.message);
      return;
    }
  }
  $("#form-msg").textContent = describeError(e);
}

function busy(on) {
  for (const id of ["#acc-save", "#acc-test"]) $(id).disabled = on;
}

async function testConnection() {
  const ok = ["id", "base_url"].map(checkField).every(Boolean);
  if (!ok) return;
  const box = $("#test-result");
  box.hidden = false;
  box.className = "test-result busy";
  box.textContent = "Testing the connection…";
  busy(true);
  try {
    const secret = field("secret").value || null;
    const proxySecret = field("proxy_secret").value || null;
    const r = await call("test_connection", { account: collect(), secret, proxySecret });
    if (r.ok) {
      box.className = "test-result ok";
      const sample = r.sample.length ? ` — ${r.sample.join(", ")}${r.agents > r.sample.length ? ", …" : ""}` : "";
      box.textContent = `Connected: ${r.agents} agent${r.agents === 1 ? "" : "s"} visible${sample} (${r.route})`;
    } else {
      box.className = "test-result fail";
      box.textContent = `Failed — ${describeError(r.error)} (${r.route})`;
    }
  } catch (err) {
    box.className = "test-result fail";
    box.textContent = `Failed — ${describeError(err)}`;
    showServerError(err);
  } finally {
    busy(false);
  }
}

async function save() {
  if (!checkAll()) {
    const first = form().querySelector("[aria-invalid='true']");
    if (first) first.focus();
    return;
  }
  busy(true);
  try {
    const secret = field("secret").value || null;
    const proxySecret = field("proxy_secret").value || null;
    accounts = await call("save_account", { account: collect(), secret, proxySecret, isNew: !editing });
    field("secret").value = "";
    field("proxy_secret").value = "";
    dialog().close();
    render();
    onChange();
  } catch (err) {
    showServerError(err);
  } finally {
    busy(false);
  }
}

async function remove(account) {
  const confirm = $("#confirm-dialog");
  $("#confirm-text").textContent = `${account.name || account.id} (${vendorLabel(account.vendor)}) will no longer be watched, and its secret is deleted from the keyring.`;
  confirm.returnValue = "";
  confirm.showModal();
  confirm.addEventListener(
    "close",
    async () => {
      if (confirm.returnValue !== "ok") return;
      try {
        accounts = await call("delete_account", { id: account.id });
        render();
        onChange();
      } catch (err) {
        $("#accounts-list").prepend(h("p", { class: "msg", role: "alert" }, describeError(err)));
      }
    },
    { once: true },
  );
}
