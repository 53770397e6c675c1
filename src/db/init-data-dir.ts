import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS, migrationsDigest } from './migrations-folder';

/**
 * Where a new, migrated cluster made by this PGlite version with these migrations is kept, so that
 * the next fresh data dir on this machine is a copy (about 0.15 s for its ~40 MB) instead of another
 * initdb and every migration (4–9 s here). Both depend on nothing but PGlite's build and the
 * migrations' text (no migration writes a time, a random value or a row of data), so a copy is the
 * cluster they would have made. Per user, under the XDG cache dir.
 */
function pgliteVersion(): string {
  // The package exports no package.json; it sits above the entry point in dist/.
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function templateDir(env: Record<string, string | undefined> = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'confab', `pglite-${pgliteVersion()}-${migrationsDigest()}`);
}

/**
 * Creates the embedded cluster, migrated, when `dataDir` has none yet: a copy of the template
 * cluster when there is one, else PGlite's initdb and the migrations in a process of its own (initdb
 * takes the heap to ~800 MB and a process never gives WASM memory back, so the server runs it in a
 * child that exits), kept as the template for next time. The server's own `migrate` then finds
 * nothing to do. Either way the cluster is made in a sibling directory and renamed into
 * place once complete, so a start killed half-way leaves no half-made cluster for the next one.
 */
export async function initDataDir(dataDir: string, template = templateDir()): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const creating = `${dataDir}.creating`;
  rmSync(creating, { recursive: true, force: true });
  if (!copyTemplate(template, creating)) {
    await runInitdb(creating, dataDir);
    keepAsTemplate(creating, template);
  }
  // rename(2) replaces an empty directory, which is what the opener left.
  renameSync(creating, dataDir);
}

function copyTemplate(template: string, to: string): boolean {
  if (!existsSync(join(template, 'PG_VERSION'))) return false;
  try {
    cpSync(template, to, { recursive: true });
    return true;
  } catch {
    rmSync(to, { recursive: true, force: true });
    return false;
  }
}

async function runInitdb(creating: string, dataDir: string): Promise<void> {
  const child = Bun.spawn([process.execPath, fileURLToPath(import.meta.url), creating], { stdout: 'ignore', stderr: 'pipe' });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (code !== 0) throw new Error(`creating the embedded database in ${dataDir} failed (exit ${code}): ${stderr.trim().slice(-2000)}`);
}

/** Best effort: a cache that cannot be written only means the next fresh start runs initdb too. */
function keepAsTemplate(cluster: string, template: string): void {
  const staging = `${template}.${process.pid}.creating`;
  try {
    mkdirSync(dirname(template), { recursive: true });
    cpSync(cluster, staging, { recursive: true });
    // Made complete aside and renamed, so a reader never copies half a template; when another
    // process got there first, its template is as good as this one.
    renameSync(staging, template);
    // Templates of other versions or migrations are of no more use once this one exists.
    for (const old of readdirSync(dirname(template))) {
      if (old.startsWith('pglite-') && !old.endsWith('.creating') && join(dirname(template), old) !== template) {
        rmSync(join(dirname(template), old), { recursive: true, force: true });
      }
    }
  } catch {
    try {
      rmSync(staging, { recursive: true, force: true });
    } catch {}
  }
}

if (import.meta.main) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite/vector');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const db = new PGlite(process.argv[2], { extensions: { vector } });
  await migrate(drizzle({ client: db }), { migrationsFolder: MIGRATIONS });
  await db.close();
}
