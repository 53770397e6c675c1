// Prints one plain line, "N passed, N failed[, N skipped][, N errors outside tests]", from
// bun test's JUnit report. Errors outside any test (a test file that fails to load, an
// unhandled error between tests) never reach the JUnit file, so they are read from the
// console summary that bun prints (" N error").
// usage: bun .ci/junit-summary.ts <junit.xml> [console.log]

export type Summary = { passed: number; failed: number; skipped: number; errors: number };

function attribute(tag: string, name: string): number {
  const match = tag.match(new RegExp(`\\s${name}="(\\d+)"`));
  return match ? Number(match[1]) : 0;
}

export function summarize(junitXml: string, consoleLog = ''): Summary {
  const root = junitXml.match(/<testsuites\b[^>]*>/)?.[0];
  if (!root) throw new Error('no <testsuites> element in the JUnit report');
  const tests = attribute(root, 'tests');
  const failed = attribute(root, 'failures') + attribute(root, 'errors');
  const skipped = attribute(root, 'skipped');
  const errors = Number(consoleLog.match(/^\s*(\d+) errors?$/m)?.[1] ?? 0);
  return { passed: tests - failed - skipped, failed, skipped, errors };
}

export function formatSummary(s: Summary): string {
  const parts = [`${s.passed} passed`, `${s.failed} failed`];
  if (s.skipped > 0) parts.push(`${s.skipped} skipped`);
  if (s.errors > 0) parts.push(`${s.errors} error${s.errors === 1 ? '' : 's'} outside tests`);
  return parts.join(', ');
}

if (import.meta.main) {
  const [junitPath, logPath] = process.argv.slice(2);
  if (!junitPath) {
    console.error('usage: bun .ci/junit-summary.ts <junit.xml> [console.log]');
    process.exit(2);
  }
  const log = logPath
    ? await Bun.file(logPath)
        .text()
        .catch(() => '')
    : '';
  console.log(formatSummary(summarize(await Bun.file(junitPath).text(), log)));
}
