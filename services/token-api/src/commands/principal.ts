import type { Scope } from '@tessera/contracts';

/** The caller of a bearer route, from a verified access token that is still live. */
export interface Principal {
  userId: string;
  email: string;
  role: 'user' | 'admin';
  tokenId: string;
  familyId: string;
  scopes: Scope[];
}
