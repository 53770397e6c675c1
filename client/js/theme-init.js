// Runs before first paint so a chosen theme never flashes the system one.
try {
  const theme = localStorage.getItem('confab.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch {}
