import { sql, type Kysely, type Migration } from 'kysely';

/*
 * A BRIN range is only summarized by a vacuum; until then every scan reads it. autosummarize
 * asks autovacuum to summarize each range as inserts move past it, so the stream_seq index stays
 * selective on a table that only grows at its end. Frozen.
 */
export const streamSeqAutosummarize: Migration = {
  async up(db: Kysely<any>) {
    await sql`alter index auth_token_audit_stream_seq set (autosummarize = on)`.execute(db);
  },
};
