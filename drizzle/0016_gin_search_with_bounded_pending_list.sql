-- Hand-written in place of drizzle-kit's drop and rebuild: the settings change in place. Inserts
-- gather their lexemes in a pending list again, now bounded at 512 kB so that a search scans at
-- most 64 pages of it; the insert that fills it merges it into the tree.
ALTER INDEX "chunks_tsv_idx" SET (fastupdate = true, gin_pending_list_limit = 512);
