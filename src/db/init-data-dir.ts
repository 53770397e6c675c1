import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';

/**
 * Creates the embedded cluster in a process of its own when `dataDir` has none yet. PGlite's
 * initdb takes the heap to ~800 MB and a process never gives WASM memory back, so the server runs it
 * in a child that exits; the server then opens an existing cluster like on any later start. The
 * child works in a sibling directory that is renamed into place once complete, so a start killed
 * half-way leaves no half-made cluster for the next one to trip on.
 */
export async function initDataDir(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const creating = `${dataDir}.creating`;
  rmSync(creating, { recursive: true, force: true });
  const child = Bun.spawn([process.execPath, fileURLToPath(import.meta.url), creating], { stdout: 'ignore', stderr: 'pipe' });
  const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
  if (code !== 0) throw new Error(`creating the embedded database in ${dataDir} failed (exit ${code}): ${stderr.trim().slice(-2000)}`);
  // rename(2) replaces an empty directory, which is what the opener left.
  renameSync(creating, dataDir);
}

if (import.meta.main) {
  const db = new PGlite(process.argv[2], { extensions: { vector } });
  await db.waitReady;
  await db.close();
}
