const DAY = 86_400_000;

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Sorts conversations into Today, Yesterday, Previous 7 days and Older by last activity (local time). */
export function groupByDate(items, now = new Date()) {
  const today = startOfDay(now);
  const groups = [
    { label: 'Today', from: today, items: [] },
    { label: 'Yesterday', from: today - DAY, items: [] },
    { label: 'Previous 7 days', from: today - 7 * DAY, items: [] },
    { label: 'Older', from: -Infinity, items: [] },
  ];
  for (const item of items) {
    const at = new Date(item.updatedAt ?? item.createdAt).getTime();
    groups.find((g) => at >= g.from).items.push(item);
  }
  return groups.filter((g) => g.items.length > 0);
}
