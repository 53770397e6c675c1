-- drizzle-kit does not emit extensions; the chunks table needs pgvector.
CREATE EXTENSION IF NOT EXISTS vector;
