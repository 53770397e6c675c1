/**
 * Builds elements from plain values. Text always goes in as text nodes, never as HTML, so this is
 * safe for untrusted strings; the only HTML sink in the UI is the markdown renderer's sanitiser.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export const $ = (id) => document.getElementById(id);

/** Tells screen-reader users what happened without moving their focus. */
export function announce(text) {
  const region = $('announcer');
  region.textContent = '';
  requestAnimationFrame(() => (region.textContent = text));
}

export function formatNumber(value, digits = 0) {
  return Number.isFinite(value) ? value.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
}

/** Opens the shared confirmation dialog; resolves true when the user confirms. */
export function confirmAction(text, okLabel = 'Delete') {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

/** Asks for a line of text in the shared dialog; resolves null when cancelled. */
export function promptText(label, value) {
  const dialog = $('rename-dialog');
  const input = $('rename-input');
  $('rename-label').textContent = label;
  input.value = value;
  input.required = false;
  dialog.returnValue = '';
  // Enter saves: the form's first button is Cancel, which Enter would otherwise press.
  input.onkeydown = (e) => {
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      dialog.close('ok');
    }
  };
  dialog.showModal();
  input.select();
  return new Promise((resolve) =>
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' && input.value.trim() ? input.value.trim() : null), {
      once: true,
    }),
  );
}
