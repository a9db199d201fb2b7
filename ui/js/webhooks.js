// Settings → Programs and webhooks: the configured [[actions]] (listed) and [[webhooks]], each
// webhook with a write-only URL field that stores the URL in the keyring (`webhook:<id>`).
// The URL never comes back: the dashboard only learns where it is kept.
import { call, asError, describeError } from "./api.js";
import { h, $, fill } from "./dom.js";

const URL_STATE = {
  config: ["stored", "URL in the config file"],
  keyring: ["stored", "URL stored in the keyring"],
  environment: ["stored", "URL from the environment"],
  memory: ["stored", "URL stored (demo: in memory)"],
  missing: ["missing", "No URL stored: nothing is posted"],
};

function urlText(w) {
  if (w.url === "unavailable") {
    return ["unavailable", `Keyring unavailable${w.url_error ? `: ${w.url_error.message}` : ""}`];
  }
  return URL_STATE[w.url] || ["missing", w.url];
}

function filters(r) {
  const parts = [r.min_severity ? `${r.min_severity} and worse` : "every notification"];
  parts.push(r.accounts && r.accounts.length ? `accounts: ${r.accounts.join(", ")}` : "all accounts");
  return parts.join(" · ");
}

function actionItem(a) {
  return h(
    "li",
    { class: "route action" },
    h("code", { class: "argv" }, a.command.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(" ")),
    h("div", { class: "detail" }, `${filters(a)} · time limit ${a.timeout_secs || 10} s`),
  );
}

function webhookItem(w) {
  const [cls, text] = urlText(w);
  const status = h("span", { class: "msg", role: "status" });
  const input = h("input", {
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: cls === "stored" ? "•••••••• (stored) — type a new URL to replace it" : "https://…",
    "aria-label": `URL of webhook ${w.id}`,
  });
  const save = async (e) => {
    e.preventDefault();
    status.textContent = "";
    if (!input.value.trim()) {
      status.textContent = "Type the webhook's URL first.";
      return;
    }
    try {
      await call("set_webhook_url", { id: w.id, url: input.value });
      input.value = "";
      await loadRoutes();
    } catch (err) {
      status.textContent = asError(err).message || describeError(err);
    }
  };
  const remove = async () => {
    status.textContent = "";
    try {
      await call("delete_webhook_url", { id: w.id });
      await loadRoutes();
    } catch (err) {
      status.textContent = describeError(err);
    }
  };
  const form =
    w.url === "config"
      ? null
      : h(
          "form",
          { class: "webhook-url", onsubmit: save },
          input,
          h("button", { type: "submit", class: "btn" }, "Store URL"),
          ["keyring", "memory"].includes(w.url) ? h("button", { type: "button", class: "btn", onclick: remove }, "Remove URL") : null,
          status,
        );
  return h(
    "li",
    { class: "route webhook", dataset: { webhook: w.id } },
    h("strong", {}, w.id),
    " ",
    h("span", { class: "format" }, w.format),
    " ",
    h("span", { class: `secret-state ${cls}` }, text),
    h("div", { class: "detail" }, filters(w)),
    form,
  );
}

function section() {
  let el = $("#routes");
  if (!el) {
    el = h("section", { id: "routes", class: "card", "aria-labelledby": "routes-title" });
    $("#settings-form").after(el);
  }
  return el;
}

export async function loadRoutes() {
  const el = section();
  let routes;
  try {
    routes = await call("routes");
  } catch (err) {
    fill(el, h("h2", { id: "routes-title" }, "Programs and webhooks"), h("p", { class: "msg" }, describeError(err)));
    return;
  }
  const none = !routes.actions.length && !routes.webhooks.length;
  const typing = typedUrls(el);
  // Parts left out (no programs, no webhooks) are null: fill skips them.
  fill(
    el,
    h("h2", { id: "routes-title" }, "Programs and webhooks"),
    h(
      "p",
      { class: "hint" },
      "Each notification also runs these programs and posts to these webhooks. They are set in the config file ([[actions]], [[webhooks]]); a URL that holds a token is kept in the keyring.",
    ),
    none ? h("p", { class: "empty" }, "None configured.") : null,
    routes.actions.length ? h("h3", {}, "Programs") : null,
    routes.actions.length ? h("ul", { class: "routes", id: "route-actions" }, routes.actions.map(actionItem)) : null,
    routes.webhooks.length ? h("h3", {}, "Webhooks") : null,
    routes.webhooks.length ? h("ul", { class: "routes", id: "route-webhooks" }, routes.webhooks.map(webhookItem)) : null,
  );
  restoreTypedUrls(el, typing);
}

// Opening Settings reloads this list, and a reload replaces its fields: what the person was
// typing into a URL field (and where the cursor was) must survive it, not vanish under them.
function typedUrls(el) {
  const fields = [...el.querySelectorAll("li[data-webhook] input")];
  return {
    values: new Map(fields.filter((f) => f.value).map((f) => [f.closest("li").dataset.webhook, f.value])),
    focused: fields.find((f) => f === document.activeElement)?.closest("li").dataset.webhook,
  };
}

function restoreTypedUrls(el, typing) {
  const field = (id) => el.querySelector(`li[data-webhook="${CSS.escape(id)}"] input`);
  for (const [id, value] of typing.values) {
    const input = field(id);
    if (input) input.value = value;
  }
  if (typing.focused !== undefined) field(typing.focused)?.focus();
}
