// The benchmark is not a workspace package: it borrows token-api's installed dependencies, so
// the anchors run the very same argon2 and pg builds as the service.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const tokenApiRequire = createRequire(new URL('../../../services/token-api/package.json', import.meta.url));

export async function importFromTokenApi<T>(specifier: string): Promise<T> {
  return (await import(pathToFileURL(tokenApiRequire.resolve(specifier)).href)) as T;
}

/** The slice of `pg` the benchmarks use (its types resolve only from token-api's package). */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  connect(): Promise<{ query(text: string, values?: unknown[]): Promise<unknown>; release(): void }>;
  end(): Promise<void>;
}
export interface PgModule {
  Pool: new (options: { connectionString: string; max?: number; options?: string }) => PgPool;
}

/** The slice of `@node-rs/argon2` the anchor uses. */
export interface Argon2Module {
  hash(password: string, options: { algorithm: number; memoryCost: number; timeCost: number; parallelism: number }): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}
