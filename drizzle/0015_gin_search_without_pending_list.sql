-- Hand-written in place of drizzle-kit's drop and rebuild: the setting changes in place, and the
-- entries already pending move into the index once, now, instead of at the next vacuum.
ALTER INDEX "chunks_tsv_idx" SET (fastupdate = false);--> statement-breakpoint
SELECT gin_clean_pending_list('chunks_tsv_idx');
