import { writeFile } from 'node:fs/promises';
import { type LoadgenOptions, parseOptions, USAGE } from './options';
import { progressPrinter } from './progress';
import { renderHtml } from './report-html';
import { formatTable } from './report-table';
import { runLoadgen } from './run';

async function main(): Promise<number> {
  let options: LoadgenOptions | null;
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
