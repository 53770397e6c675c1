-- Hand-written: the per-model HNSW indexes are made at run time (src/rag/vector-index.ts), not by
-- the schema. Each one over `embedding::vector(N)` is rebuilt over `embedding::halfvec(N)` under
-- the name the server now looks for, with the same settings and model predicate, and the old one
-- dropped, so retrieval keeps an index across the upgrade.
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN
    SELECT i.indexname, i.indexdef FROM pg_indexes i
    WHERE i.schemaname = current_schema() AND i.tablename = 'chunks'
      AND i.indexname LIKE 'chunks\_hnsw\_%' AND i.indexname NOT LIKE 'chunks\_hnsw\_h\_%'
      AND i.indexdef LIKE '%vector\_cosine\_ops%'
  LOOP
    EXECUTE replace(replace(replace(r.indexdef,
      'INDEX ' || r.indexname || ' ', 'INDEX ' || quote_ident('chunks_hnsw_h_' || substr(r.indexname, 13)) || ' '),
      '::vector(', '::halfvec('), ' vector_cosine_ops', ' halfvec_cosine_ops');
    EXECUTE format('DROP INDEX %I', r.indexname);
  END LOOP;
END $$;
