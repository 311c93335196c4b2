import { useEffect, useMemo, useState, type MouseEvent } from 'react';
import { createTesseraApi } from '../api/tessera-api.js';
import type { AuthSession, SignOutReason } from '../auth/session.js';
import { Account } from '../pages/Account.js';
import { Admin, ADMIN_SCOPE } from '../pages/Admin.js';
import { SignIn } from '../pages/SignIn.js';
import { pathOf, routeOf, type Route } from './routes.js';

function usePath(): [string, (path: string) => void] {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = (next: string) => {
    if (next === window.location.pathname) return;
    window.history.pushState(null, '', next);
    setPath(next);
  };
  return [path, navigate];
}

/**
 * The session lives in this component's state only: navigating between the pages keeps it, a
 * reload drops it (README: why the refresh token is never persisted).
 */
export function App() {
  const api = useMemo(() => createTesseraApi({ baseUrl: '' }), []);
  const [session, setSession] = useState<AuthSession | null>(null);
  const [notice, setNotice] = useState<SignOutReason | null>(null);
  const [path, navigate] = usePath();
  const route = routeOf(path);

  useEffect(() => {
    if (!session) return;
    return session.onEnd((reason) => {
      setNotice(reason);
      setSession(null);
    });
  }, [session]);

  useEffect(() => {
    document.title = `${route === 'admin' ? 'Admin' : 'Your devices and sessions'} · Tessera`;
  }, [route]);

  const link = (to: Exclude<Route, 'not_found'>) => ({
    href: pathOf(to),
    'aria-current': route === to ? ('page' as const) : undefined,
    onClick: (event: MouseEvent<HTMLAnchorElement>) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      navigate(pathOf(to));
    },
  });

  const signOut = () => {
    if (!session) return;
    const ending = session;
    void ending
      .authorized((token) => api.logout(token))
      .catch(() => undefined)
      .finally(() => ending.end({ kind: 'signed_out' }));
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Tessera</span>
        <nav aria-label="Pages">
          <a {...link('account')}>Your sessions</a>
          {(!session || session.hasScope(ADMIN_SCOPE)) && <a {...link('admin')}>Admin</a>}
        </nav>
        {session && (
          <button type="button" className="button button-small" onClick={signOut}>
            Sign out
          </button>
        )}
      </header>
      {route === 'not_found' ? (
        <main id="main" className="page page-narrow">
          <h1>Page not found</h1>
          <p>
            <a {...link('account')}>Go to your devices and sessions</a>
          </p>
        </main>
      ) : !session ? (
        <SignIn
          key={route}
          api={api}
          heading={route === 'admin' ? 'Admin: sign in' : 'Your devices and sessions'}
          notice={notice}
          onSignedIn={(next) => {
            setNotice(null);
            setSession(next);
          }}
        />
      ) : route === 'admin' ? (
        <Admin api={api} session={session} />
      ) : (
        <Account api={api} session={session} />
      )}
    </>
  );
}
