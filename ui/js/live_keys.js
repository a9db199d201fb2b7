// The live view from the keyboard: `/` to the filter, arrows or j/k between rows (Home, End,
// Page Up/Down too), `a` acknowledges the agent of the focused row, `s` snoozes it for an hour,
// `c` copies its id, Enter opens its details (on an account's header: collapses or expands it, as
// do Space and the left and right arrows), `w` opens the wallboard. Single keys never act while
// the user types in a field or a dialog is open.
import { $ } from "./dom.js";
import { recordOf } from "./live_table.js";
import { focusEntry, positionOf, positionOfKey, entryCount, pageSize } from "./live_window.js";

let actions = null;

function typing(el) {
  return !!el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));
}

function liveShown() {
  return !$("#panel-live").hidden && !$("#panel-live").classList.contains("welcome");
}

// Moves the focus `by` rows from `from` (a row element; from the first row when none).
function move(from, by) {
  const at = positionOf(from);
  focusEntry(at < 0 ? 0 : at + by);
}

function onKey(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (actions.wallboardOpen()) {
    if (e.key === "Escape" || e.key === "w") {
      e.preventDefault();
      actions.closeWallboard();
    }
    return;
  }
  if (!liveShown() || document.querySelector("dialog[open]")) return;
  const target = e.target;
  if (typing(target)) {
    if (target.id === "filter" && e.key === "ArrowDown") {
      e.preventDefault();
      focusEntry(0);
    }
    return;
  }
  const row = target.closest ? target.closest("#agents-body tr") : null;
  const onRow = row && row === target; // not on one of the row's buttons
  const record = recordOf(row);
  const group = row && row.dataset.group;
  const key = e.key;
  const handled = () => e.preventDefault();
  if (key === "/") {
    handled();
    $("#filter").focus();
    $("#filter").select();
  } else if (key === "w") {
    handled();
    actions.openWallboard();
  } else if (key === "j" || (key === "ArrowDown" && row)) {
    handled();
    move(row, 1);
  } else if (key === "k" || (key === "ArrowUp" && row)) {
    handled();
    move(row, -1);
  } else if (row && (key === "Home" || key === "End")) {
    handled();
    focusEntry(key === "Home" ? 0 : entryCount() - 1);
  } else if (row && (key === "PageDown" || key === "PageUp")) {
    handled();
    move(row, key === "PageDown" ? pageSize() : -pageSize());
  } else if (record && key === "a") {
    handled();
    actions.acknowledge(record);
  } else if (record && key === "s") {
    handled();
    actions.snooze(record);
  } else if (record && key === "c") {
    handled();
    actions.copy(record);
  } else if (record && onRow && key === "Enter") {
    handled();
    actions.detail(record);
  } else if (record && key === "ArrowLeft") {
    handled();
    const header = positionOfKey(`group:${record.item.account_id}`);
    if (header >= 0) focusEntry(header);
  } else if (group && onRow && (key === "Enter" || key === " ")) {
    handled();
    actions.toggleGroup(group);
  } else if (group && (key === "ArrowLeft" || key === "ArrowRight")) {
    handled();
    actions.toggleGroup(group, key === "ArrowRight");
  }
}

/// `with`: { acknowledge, snooze, copy, detail (record), toggleGroup (id, expand?),
/// openWallboard, closeWallboard, wallboardOpen }.
export function initKeys(with_) {
  actions = with_;
  document.addEventListener("keydown", onKey);
}
