import { sql, type Kysely, type Migration } from 'kysely';

/*
 * Rows arrive in stream order, so stream_seq follows the heap: a BRIN index finds "rows after
 * sequence L" (the rebuild's swap, under its lock) by reading the last block ranges only, and
 * costs next to nothing per insert, unlike a btree. Frozen.
 */
export const streamSeqBrin: Migration = {
  async up(db: Kysely<any>) {
    await sql`create index auth_token_audit_stream_seq on auth_token_audit using brin (stream_seq)`.execute(db);
  },
};
