import type { Migration } from 'kysely';
import { authTokenAudit } from './2026_11_22_0001_auth_token_audit.js';
import { streamSeqBrin } from './2026_11_22_0002_stream_seq_brin.js';
import { streamSeqAutosummarize } from './2026_11_22_0003_stream_seq_autosummarize.js';

/** Frozen migrations, applied in name order at start (DESIGN §2: schema `audit`). */
export const migrations: Record<string, Migration> = {
  '2026_11_22_0001_auth_token_audit': authTokenAudit,
  '2026_11_22_0002_stream_seq_brin': streamSeqBrin,
  '2026_11_22_0003_stream_seq_autosummarize': streamSeqAutosummarize,
};
