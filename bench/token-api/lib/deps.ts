// The benchmark is not a workspace package: it borrows token-api's installed dependencies, so
// the anchors run the very same argon2 and pg builds as the service.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const tokenApiRequire = createRequire(new URL('../../../services/token-api/package.json', import.meta.url));

export async function importFromTokenApi<T>(specifier: string): Promise<T> {
  return (await import(pathToFileURL(tokenApiRequire.resolve(specifier)).href)) as T;
}
