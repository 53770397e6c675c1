/**
 * Postgres settings for the embedded database, sized for one small server rather than Postgres's
 * defaults for a dedicated machine. PGlite's WASM heap only grows: every buffer Postgres touches
 * stays resident for the life of the process, so shared_buffers (128 MB by default) is most of what
 * an idle server holds. The data files stay in the OS page cache, so a small pool costs copies, not
 * disk reads. maintenance_work_mem bounds what an HNSW build may allocate at once.
 */
const SETTINGS: Record<string, string> = {
  shared_buffers: '16MB',
  wal_buffers: '1MB',
  work_mem: '4MB',
  maintenance_work_mem: '16MB',
  temp_buffers: '1MB',
};

/** PGlite's own start parameters (it runs Postgres single-user, without parallel workers) plus ours. */
const PGLITE_DEFAULTS = [
  '--single',
  '-F',
  '-O',
  '-j',
  '-c',
  'search_path=public',
  '-c',
  'exit_on_error=false',
  '-c',
  'log_checkpoints=false',
  '-c',
  'max_worker_processes=0',
  '-c',
  'max_parallel_workers=0',
  '-c',
  'max_parallel_workers_per_gather=0',
];

export const EMBEDDED_START_PARAMS: readonly string[] = [
  ...PGLITE_DEFAULTS,
  ...Object.entries(SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
];
