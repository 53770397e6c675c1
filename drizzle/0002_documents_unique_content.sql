-- Earlier racing uploads may have left copies of one content: keep the oldest of each.
DELETE FROM "documents" d USING "documents" o
WHERE d."user_id" = o."user_id" AND d."sha256" = o."sha256"
  AND (o."created_at", o."id") < (d."created_at", d."id");--> statement-breakpoint
CREATE UNIQUE INDEX "documents_user_sha256_idx" ON "documents" USING btree ("user_id","sha256");
