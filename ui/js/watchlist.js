// The account form's watch list beyond one id at a time: pasted lists and ranges
// ("101-150, 201"), read by the core's one rule (parse_watch_list), and the picker, which asks
// the account for its agents (list_agents) and shows them with their names and check boxes.
// Names come from vendors: they only ever go in as text (dom.js `h`).
import { call, asError, describeError } from "./api.js";
import { h, $ } from "./dom.js";

/// How many rows the picker draws at once; the filter narrows a longer list.
export const PICKER_ROWS = 300;
/// How many chips the watch list draws; the rest are counted.
export const CHIPS_SHOWN = 200;

/// Pasted text as agent ids, or `{error}` with the core's message naming the bad piece.
export async function expandPasted(text) {
  try {
    return { ids: await call("parse_watch_list", { text }) };
  } catch (err) {
    return { error: asError(err).message };
  }
}

let hooks = null;
let listed = []; // [{agent_id, name}] as the account listed them
let picked = new Set();
let filter = "";

/// `hooks`: account() -> the form's account, secrets() -> {secret, proxySecret},
/// current() -> the watch list, apply(ids) -> replaces it, all() -> watch every agent.
export function initPicker(formHooks) {
  hooks = formHooks;
  $("#acc-pick").addEventListener("click", openPicker);
  $("#pick-filter").addEventListener("input", (e) => {
    filter = e.target.value.trim().toLowerCase();
    drawRows();
  });
  $("#pick-shown").addEventListener("click", () => {
    for (const a of matching()) picked.add(a.agent_id);
    drawRows();
  });
  $("#pick-none").addEventListener("click", () => {
    picked.clear();
    drawRows();
  });
  $("#pick-use").addEventListener("click", () => {
    // In the account's order, so the watch list reads like the listing.
    hooks.apply(listed.filter((a) => picked.has(a.agent_id)).map((a) => a.agent_id));
    closePicker();
  });
  $("#pick-all").addEventListener("click", () => {
    hooks.all();
    closePicker();
  });
  $("#pick-close").addEventListener("click", closePicker);
}

/// Hides the picker (when the form opens or the vendor changes).
export function closePicker() {
  $("#acc-picker").hidden = true;
  listed = [];
  picked.clear();
}

async function openPicker() {
  const box = $("#acc-picker");
  const msg = $("#pick-msg");
  box.hidden = false;
  $("#pick-list").replaceChildren();
  $("#pick-tools").hidden = true;
  msg.textContent = "Asking the account for its agents…";
  msg.className = "hint";
  $("#acc-pick").disabled = true;
  try {
    const { secret, proxySecret } = hooks.secrets();
    listed = await call("list_agents", { account: hooks.account(), secret, proxySecret });
  } catch (err) {
    listed = [];
    msg.className = "msg";
    msg.textContent = describeError(err);
    return;
  } finally {
    $("#acc-pick").disabled = false;
  }
  const ids = new Set(listed.map((a) => a.agent_id));
  picked = new Set(hooks.current().filter((id) => ids.has(id)));
  filter = "";
  $("#pick-filter").value = "";
  $("#pick-tools").hidden = listed.length === 0;
  if (listed.length === 0) {
    msg.className = "hint";
    msg.textContent = "The account lists no agents right now.";
    return;
  }
  drawRows();
  box.scrollIntoView({ block: "nearest" });
  $("#pick-filter").focus();
}

function matching() {
  if (!filter) return listed;
  return listed.filter((a) => a.agent_id.toLowerCase().includes(filter) || (a.name || "").toLowerCase().includes(filter));
}

function drawRows() {
  const shown = matching();
  const rows = shown.slice(0, PICKER_ROWS).map((a) =>
    h(
      "li",
      {},
      h(
        "label",
        { class: "check" },
        h("input", {
          type: "checkbox",
          value: a.agent_id,
          checked: picked.has(a.agent_id),
          onchange: (e) => {
            if (e.target.checked) picked.add(a.agent_id);
            else picked.delete(a.agent_id);
            count();
          },
        }),
        h("span", { class: "pick-name" }, a.name || a.agent_id),
        a.name ? h("span", { class: "agent-id" }, a.agent_id) : null,
      ),
    ),
  );
  $("#pick-list").replaceChildren(...rows);
  const more = shown.length - rows.length;
  $("#pick-more").textContent = more > 0 ? `Showing ${rows.length} of ${shown.length}: type in the filter to narrow the list.` : "";
  count();
}

function count() {
  const msg = $("#pick-msg");
  msg.className = "hint";
  msg.textContent = `${listed.length} agent${listed.length === 1 ? "" : "s"} listed · ${picked.size} picked`;
}

/// The watch list as chips, at most CHIPS_SHOWN of them; `remove(id)` drops one, `clear()` all.
export function chips(watch, remove, clear) {
  const items = watch.slice(0, CHIPS_SHOWN).map((id) =>
    h("li", {}, id, h("button", { type: "button", "aria-label": `Stop watching ${id}`, onclick: () => remove(id) }, "×")),
  );
  if (watch.length > CHIPS_SHOWN) {
    items.push(h("li", { class: "more" }, `… and ${watch.length - CHIPS_SHOWN} more`));
  }
  if (watch.length > 1) {
    items.push(h("li", { class: "more" }, h("button", { type: "button", class: "linkish", onclick: clear }, `Clear all ${watch.length}`)));
  }
  return items;
}

/// A one-line input drops the line breaks of a pasted column of ids ("101\n102" would become
/// "101102"): paste them as separators instead.
export function keepPastedLineBreaks(input) {
  input.addEventListener("paste", (e) => {
    const text = e.clipboardData?.getData("text/plain");
    if (!text || !/[\r\n]/.test(text)) return;
    e.preventDefault();
    const spaced = text.replace(/\s*[\r\n]+\s*/g, ", ").replace(/^, |, $/g, "");
    input.setRangeText(spaced, input.selectionStart, input.selectionEnd, "end");
    input.dispatchEvent(new Event("input"));
  });
}
