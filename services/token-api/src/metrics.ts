import { Counter, type Registry } from 'prom-client';

export interface AuthMetrics {
  loginSuccess: Counter;
  loginFailure: Counter<'reason'>;
  refresh: Counter<'outcome'>;
  reuseDetected: Counter;
}

export function createAuthMetrics(registry: Registry): AuthMetrics {
  return {
    loginSuccess: new Counter({ name: 'login_success_total', help: 'Successful logins', registers: [registry] }),
    loginFailure: new Counter({
      name: 'login_failure_total',
      help: 'Failed logins by reason: invalid_credentials, account_locked, ip_throttled, scope_denied',
      labelNames: ['reason'],
      registers: [registry],
    }),
    refresh: new Counter({ name: 'token_refresh_total', help: 'Refresh requests by outcome', labelNames: ['outcome'], registers: [registry] }),
    reuseDetected: new Counter({ name: 'token_reuse_detected_total', help: 'Rotated refresh tokens presented again (families revoked)', registers: [registry] }),
  };
}
