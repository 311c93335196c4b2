import { sql, type Transaction } from 'kysely';

/**
 * `create table ... (like ... including all)` names the copied indexes after the new table.
 * Pairs each of them with the live index of the same definition, so after the swap the indexes
 * (and the primary-key constraint, renamed with its index) keep the names the migrations gave
 * them and the next migration can refer to them.
 */
export async function swapIndexNames(trx: Transaction<any>, liveTable: string, newTable: string): Promise<Array<{ from: string; to: string }>> {
  const { rows } = await sql<{ table_name: string; index_name: string; definition: string }>`
    select t.relname as table_name, c.relname as index_name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    join pg_class c on c.oid = i.indexrelid
    join pg_class t on t.oid = i.indrelid
    join pg_namespace n on n.oid = t.relnamespace
    where n.nspname = current_schema() and t.relname in (${liveTable}, ${newTable})`.execute(trx);
  // `CREATE [UNIQUE] INDEX <name> ON <schema>.<table> USING ...`: compare what follows the table.
  const shape = (definition: string) => `${definition.startsWith('CREATE UNIQUE') ? 'unique' : ''}${definition.slice(definition.indexOf(' USING '))}`;
  const live = new Map<string, string>();
  for (const row of rows) if (row.table_name === liveTable) live.set(shape(row.definition), row.index_name);
  const renames: Array<{ from: string; to: string }> = [];
  for (const row of rows) {
    if (row.table_name !== newTable) continue;
    const to = live.get(shape(row.definition));
    if (to === undefined) throw new Error(`index ${row.index_name} of ${newTable} matches no index of ${liveTable}`);
    live.delete(shape(row.definition));
    renames.push({ from: row.index_name, to });
  }
  if (live.size > 0) throw new Error(`${newTable} lacks indexes of ${liveTable}: ${[...live.values()].join(', ')}`);
  return renames;
}
