import { writeFile } from 'node:fs/promises';
import { parseOptions, USAGE } from './options.ts';
import { progressPrinter } from './progress.ts';
import { renderHtml } from './report-html.ts';
import { formatTable } from './report-table.ts';
import { runLoadgen } from './run.ts';

async function main(): Promise<number> {
  let options;
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`loadgen: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(USAGE);
    return 0;
  }
  const progress = options.quiet ? null : progressPrinter();
  try {
    const report = await runLoadgen(options, progress?.update);
    progress?.done();
    if (options.html) await writeFile(options.html, renderHtml(report));
    process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatTable(report));
    if (options.html && !options.json) process.stdout.write(`\nHTML report: ${options.html}\n`);
    return 0;
  } catch (error) {
    progress?.done();
    process.stderr.write(`loadgen: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exit(await main());
