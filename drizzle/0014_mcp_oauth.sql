CREATE TABLE "mcp_oauth_credentials" (
	"user_id" uuid NOT NULL,
	"server_id" uuid NOT NULL,
	"client_sealed" text,
	"tokens_sealed" text,
	"discovery_sealed" text,
	"verifier_sealed" text,
	"state_hash" text,
	"state_expires_at" timestamp (3) with time zone,
	"redirect_url" text,
	"connected_at" timestamp (3) with time zone,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mcp_oauth_credentials_user_id_server_id_pk" PRIMARY KEY("user_id","server_id")
);
--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD COLUMN "auth" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD COLUMN "oauth_client_id" text;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD COLUMN "oauth_client_secret_sealed" text;--> statement-breakpoint
ALTER TABLE "mcp_servers" ADD COLUMN "oauth_scope" text;--> statement-breakpoint
ALTER TABLE "mcp_oauth_credentials" ADD CONSTRAINT "mcp_oauth_credentials_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mcp_oauth_credentials" ADD CONSTRAINT "mcp_oauth_credentials_server_id_mcp_servers_id_fk" FOREIGN KEY ("server_id") REFERENCES "public"."mcp_servers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mcp_oauth_credentials_state_idx" ON "mcp_oauth_credentials" USING btree ("state_hash");--> statement-breakpoint
UPDATE "mcp_servers" SET "auth" = 'bearer' WHERE "token_sealed" IS NOT NULL;
