-- Partly hand-written (drizzle-kit emits neither functions nor triggers): the statistics BM25 ranks
-- chunks with. A chunk's lexemes are made in the text-search configuration it records, its length
-- is its word count in lexemes, and per user (never across users: one corpus must not weigh
-- another's words) chunk_term_stats holds each lexeme's document frequency and chunk_corpus_stats
-- the chunk count and total length. Triggers keep both exact whichever statement inserts or
-- deletes or edits chunks (batches, re-ingestion, cascades); the corpus row is locked first on both paths,
-- so one user's concurrent batches queue on it instead of deadlocking on term rows.
CREATE FUNCTION tsvector_token_count(tsvector) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(sum(coalesce(cardinality(positions), 1)), 0)::integer FROM unnest($1)
$$;
--> statement-breakpoint
CREATE TABLE "chunk_corpus_stats" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"chunks" bigint NOT NULL,
	"lexemes" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chunk_term_stats" (
	"user_id" uuid NOT NULL,
	"lexeme" text NOT NULL,
	"chunks" integer NOT NULL,
	CONSTRAINT "chunk_term_stats_user_id_lexeme_pk" PRIMARY KEY("user_id","lexeme")
);
--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "text_search_config" "regconfig" DEFAULT 'english'::regconfig NOT NULL;--> statement-breakpoint
ALTER TABLE "chunks" drop column "tsv";--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "tsv" "tsvector" GENERATED ALWAYS AS (to_tsvector("chunks"."text_search_config", "chunks"."text")) STORED;--> statement-breakpoint
ALTER TABLE "chunks" ADD COLUMN "lexeme_count" integer GENERATED ALWAYS AS (tsvector_token_count(to_tsvector("chunks"."text_search_config", "chunks"."text"))) STORED;--> statement-breakpoint
CREATE INDEX "chunks_tsv_idx" ON "chunks" USING gin ("tsv");--> statement-breakpoint
ALTER TABLE "chunk_corpus_stats" ADD CONSTRAINT "chunk_corpus_stats_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "chunk_term_stats" ADD CONSTRAINT "chunk_term_stats_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
INSERT INTO chunk_corpus_stats (user_id, chunks, lexemes)
SELECT user_id, count(*), coalesce(sum(lexeme_count), 0) FROM chunks GROUP BY user_id;
--> statement-breakpoint
INSERT INTO chunk_term_stats (user_id, lexeme, chunks)
SELECT c.user_id, t.lexeme, count(*) FROM chunks c, unnest(tsvector_to_array(c.tsv)) t(lexeme) GROUP BY 1, 2;
--> statement-breakpoint
CREATE FUNCTION chunk_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE chunk_corpus_stats AS s SET chunks = s.chunks - r.chunks, lexemes = s.lexemes - r.lexemes
    FROM (SELECT user_id, count(*) AS chunks, coalesce(sum(lexeme_count), 0) AS lexemes FROM removed GROUP BY user_id) r
    WHERE s.user_id = r.user_id;
    UPDATE chunk_term_stats AS t SET chunks = t.chunks - r.chunks
    FROM (SELECT x.user_id, l.lexeme, count(*) AS chunks FROM removed x, unnest(tsvector_to_array(x.tsv)) l(lexeme) GROUP BY 1, 2) r
    WHERE t.user_id = r.user_id AND t.lexeme = r.lexeme;
    DELETE FROM chunk_term_stats AS t
    USING (SELECT DISTINCT x.user_id, l.lexeme FROM removed x, unnest(tsvector_to_array(x.tsv)) l(lexeme)) r
    WHERE t.user_id = r.user_id AND t.lexeme = r.lexeme AND t.chunks <= 0;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO chunk_corpus_stats AS s (user_id, chunks, lexemes)
    SELECT user_id, count(*), coalesce(sum(lexeme_count), 0) FROM added GROUP BY user_id ORDER BY user_id
    ON CONFLICT (user_id) DO UPDATE SET chunks = s.chunks + excluded.chunks, lexemes = s.lexemes + excluded.lexemes;
    INSERT INTO chunk_term_stats AS t (user_id, lexeme, chunks)
    SELECT a.user_id, l.lexeme, count(*) FROM added a, unnest(tsvector_to_array(a.tsv)) l(lexeme) GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (user_id, lexeme) DO UPDATE SET chunks = t.chunks + excluded.chunks;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER chunks_stats_add AFTER INSERT ON chunks REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION chunk_stats_apply();
--> statement-breakpoint
CREATE TRIGGER chunks_stats_remove AFTER DELETE ON chunks REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION chunk_stats_apply();
--> statement-breakpoint
CREATE TRIGGER chunks_stats_change AFTER UPDATE ON chunks REFERENCING OLD TABLE AS removed NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION chunk_stats_apply();
