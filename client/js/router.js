/** History-based routes; every path here is also served the page shell by the server. */
export function parseRoute(pathname = location.pathname) {
  const chat = /^\/c\/([0-9a-f-]{36})$/i.exec(pathname);
  if (chat) return { name: 'chat', id: chat[1] };
  if (pathname === '/benchmark') return { name: 'benchmark' };
  if (pathname === '/settings') return { name: 'settings' };
  if (pathname === '/usage') return { name: 'usage' };
  const admin = /^\/admin(?:\/([a-z]+))?$/.exec(pathname);
  if (admin) return { name: 'admin', tab: admin[1] ?? 'users' };
  return { name: 'chat', id: null };
}

export function navigate(path, { replace = false } = {}) {
  if (path !== location.pathname) history[replace ? 'replaceState' : 'pushState'](null, '', path);
  window.dispatchEvent(new CustomEvent('confab:route', { detail: parseRoute(path) }));
}

/** Same-page links (`data-link`) change the route without reloading. */
export function interceptLinks() {
  document.addEventListener('click', (e) => {
    const link = e.target.closest?.('a[data-link]');
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(link.getAttribute('href'));
  });
  window.addEventListener('popstate', () => window.dispatchEvent(new CustomEvent('confab:route', { detail: parseRoute() })));
}
