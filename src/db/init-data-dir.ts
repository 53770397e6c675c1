import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTar } from 'nanotar';
import { EMBEDDED_START_PARAMS } from './embedded-settings';
import { MIGRATIONS, migrationsDigest } from './migrations-folder';

/**
 * Where a new, migrated cluster made by this PGlite version with these migrations is kept, as the
 * uncompressed dump PGlite makes of it (26 MB), so that the next fresh data dir on this machine is
 * written from it (0.2-0.45 s for its 516 files here, where creating a file costs nearly a
 * millisecond) instead of another initdb and every migration (2.5-3 s on their own, 3.5-4.5 while
 * the server loads beside them). Both depend on nothing but PGlite's build and the migrations' text (no
 * migration writes a time, a random value or a row of data), so the copy is the cluster they would
 * have made. Per user, under the XDG cache dir.
 */
function pgliteVersion(): string {
  // The package exports no package.json; it sits above the entry point in dist/.
  const entry = fileURLToPath(import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function templatePath(env: Record<string, string | undefined> = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'confab', `pglite-${pgliteVersion()}-${migrationsDigest()}.tar`);
}

/**
 * Creates the embedded cluster, migrated, when `dataDir` has none yet: from the template when
 * there is one, else by PGlite's initdb and the migrations in a process of its own (initdb takes the
 * heap to ~800 MB and a process never gives WASM memory back, so the server runs it in a child that
 * exits), which also keeps the template for next time. The server's own `migrate` then finds
 * nothing to do. Either way the cluster is made in a sibling directory and renamed into
 * place once complete, so a start killed half-way leaves no half-made cluster for the next one.
 */
export async function initDataDir(dataDir: string, template = templatePath()): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const creating = `${dataDir}.creating`;
  rmSync(creating, { recursive: true, force: true });
  if (!fromTemplate(template, creating)) {
    const staging = `${template}.${process.pid}.creating`;
    await runInitdb(creating, staging, dataDir);
    keepAsTemplate(staging, template);
  }
  // rename(2) replaces an empty directory, which is what the opener left.
  renameSync(creating, dataDir);
}

function fromTemplate(template: string, to: string): boolean {
  let tar: Uint8Array;
  try {
    tar = readFileSync(template);
  } catch {
    return false;
  }
  try {
    writeCluster(to, tar);
    return existsSync(join(to, 'PG_VERSION'));
  } catch {
    rmSync(to, { recursive: true, force: true });
    return false;
  }
}

/**
 * JavaScriptCore's optimising WASM tier, off for the child: initdb runs once and briefly, so
 * compiling PostgreSQL's hot paths a second time cost more than it saved (3.0 s of CPU against 1.8,
 * 2.7-2.9 s against 2.5-2.6 on their own, and both of this machine's cores are busy at a first
 * start). The option is Bun's debugging interface to JavaScriptCore: a Bun that no longer knows it
 * refuses to start, and the child then runs without it.
 */
const INITDB_JSC_OPTIONS = { BUN_JSC_useOMGJIT: 'false' };

async function runInitdb(creating: string, template: string, dataDir: string): Promise<void> {
  const run = async (env: Record<string, string | undefined>) => {
    const child = Bun.spawn([process.execPath, fileURLToPath(import.meta.url), creating, template], {
      env,
      stdout: 'ignore',
      stderr: 'pipe',
    });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    return { code, stderr };
  };
  let result = await run({ ...process.env, ...INITDB_JSC_OPTIONS });
  if (result.code !== 0 && result.stderr.includes('BUN_JSC_')) result = await run(process.env);
  if (result.code !== 0) {
    throw new Error(`creating the embedded database in ${dataDir} failed (exit ${result.code}): ${result.stderr.trim().slice(-2000)}`);
  }
}

/**
 * Best effort: a cache that cannot be written only means the next fresh start runs initdb too. The
 * child wrote the template aside; renamed into place, a reader never reads half of one, and when
 * another process got there first, its template is as good as this one.
 */
function keepAsTemplate(staging: string, template: string): void {
  try {
    if (!existsSync(staging)) return;
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

/**
 * Writes a cluster dumped by PGlite into `dir`, readable by this user only: it will hold every
 * conversation and the encrypted secrets.
 */
export function writeCluster(to: string, tar: Uint8Array): void {
  // Absolute, so that the check below compares like with like for a relative DATA_DIR (`./data`).
  const dir = resolve(to);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const item of parseTar(tar)) {
    const path = join(dir, item.name);
    if (!path.startsWith(`${dir}/`)) throw new Error(`the cluster's dump names a path outside it: ${item.name}`);
    if (item.type === 'directory') mkdirSync(path, { recursive: true, mode: 0o700 });
    else if (item.type === 'file') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, item.data ?? new Uint8Array(), { mode: 0o600 });
    } else throw new Error(`the cluster's dump holds a ${item.type} at ${item.name}`);
  }
}

/**
 * The databases initdb makes besides `postgres`, the one PGlite serves: they exist for
 * `CREATE DATABASE`, which the embedded database never runs, and were more than half the cluster's
 * files (596 of 1,113), each of which a new data dir copies.
 */
const TEMPLATE_DATABASES = ['template0', 'template1'];

if (import.meta.main) {
  const { PGlite } = await import('@electric-sql/pglite');
  const { vector } = await import('@electric-sql/pglite/vector');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  // initdb and the migrations on PGlite's in-memory file system, the cluster written out once
  // after a checkpoint: on its file system over the disk they took 3.6-3.7 s here, in memory 2.6-2.9.
  // With the server's own settings (small buffers) the child touches 60 MB less memory and
  // finishes 0.2-0.3 s sooner; `-c` settings are not written into the cluster.
  const db = new PGlite('memory://', { extensions: { vector }, startParams: [...EMBEDDED_START_PARAMS] });
  await migrate(drizzle({ client: db }), { migrationsFolder: MIGRATIONS });
  for (const name of TEMPLATE_DATABASES) {
    await db.exec(`ALTER DATABASE ${name} WITH IS_TEMPLATE false`);
    await db.exec(`DROP DATABASE ${name}`);
  }
  await db.exec('CHECKPOINT');
  const tar = new Uint8Array(await (await db.dumpDataDir('none')).arrayBuffer());
  await db.close();
  writeCluster(process.argv[2]!, tar);
  const template = process.argv[3];
  if (template) {
    try {
      mkdirSync(dirname(template), { recursive: true });
      writeFileSync(template, tar, { mode: 0o600 });
    } catch {}
  }
}
