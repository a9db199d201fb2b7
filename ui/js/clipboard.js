// Copying text for the user (an agent's id): the Clipboard API where the webview grants it, else
// the older copy command on a selected hidden field. True when the text was copied.
import { h } from "./dom.js";

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Not granted here: fall back to a selection.
  }
  const field = h("textarea", { readonly: "", class: "copy-buffer", "aria-hidden": "true" });
  field.value = text;
  document.body.append(field);
  field.select();
  let copied = false;
  try {
    copied = document.execCommand("copy");
  } catch {
    copied = false;
  }
  field.remove();
  return copied;
}
