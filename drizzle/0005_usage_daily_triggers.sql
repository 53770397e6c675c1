-- Hand-written (drizzle-kit does not emit triggers): usage_daily stays the exact per-day sum of
-- usage_logs, whichever statement inserts or deletes rows (batches, single inserts, cascades).
-- Keys are upserted in a fixed order so two concurrent batches cannot deadlock on each other.
CREATE FUNCTION usage_daily_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_daily AS d (day, user_id, model, requests, prompt_tokens, completion_tokens, cost_usd)
  SELECT (created_at AT TIME ZONE 'UTC')::date, user_id, model, count(*), sum(prompt_tokens), sum(completion_tokens),
    coalesce(sum(cost_usd::float8), 0)
  FROM added GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ON CONFLICT (day, user_id, model) DO UPDATE SET
    requests = d.requests + excluded.requests,
    prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = d.completion_tokens + excluded.completion_tokens,
    cost_usd = d.cost_usd + excluded.cost_usd;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION usage_daily_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE usage_daily AS d SET
    requests = d.requests - r.requests,
    prompt_tokens = d.prompt_tokens - r.prompt_tokens,
    completion_tokens = d.completion_tokens - r.completion_tokens,
    cost_usd = d.cost_usd - r.cost_usd
  FROM (
    SELECT (created_at AT TIME ZONE 'UTC')::date AS day, user_id, model, count(*) AS requests, sum(prompt_tokens) AS prompt_tokens,
      sum(completion_tokens) AS completion_tokens, coalesce(sum(cost_usd::float8), 0) AS cost_usd
    FROM removed GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
  ) r
  WHERE d.day = r.day AND d.user_id = r.user_id AND d.model = r.model;
  DELETE FROM usage_daily AS d
  USING (SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date AS day, user_id, model FROM removed) r
  WHERE d.day = r.day AND d.user_id = r.user_id AND d.model = r.model AND d.requests <= 0;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER usage_logs_daily_add AFTER INSERT ON usage_logs REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_add();
--> statement-breakpoint
CREATE TRIGGER usage_logs_daily_remove AFTER DELETE ON usage_logs REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION usage_daily_remove();
--> statement-breakpoint
INSERT INTO usage_daily (day, user_id, model, requests, prompt_tokens, completion_tokens, cost_usd)
SELECT (created_at AT TIME ZONE 'UTC')::date, user_id, model, count(*), sum(prompt_tokens), sum(completion_tokens),
  coalesce(sum(cost_usd::float8), 0)
FROM usage_logs GROUP BY 1, 2, 3;
