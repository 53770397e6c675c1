const KEY = 'confab.theme';

export function savedTheme() {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

/** `system` follows prefers-color-scheme; `light` and `dark` override it on this browser. */
export function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') {
    localStorage.setItem(KEY, theme);
    document.documentElement.dataset.theme = theme;
  } else {
    localStorage.removeItem(KEY);
    delete document.documentElement.dataset.theme;
  }
}
