#!/usr/bin/env bash
# Starts the machine's PostgreSQL and NATS (JetStream) if they are not answering. Used by .ci/run
# and by `pnpm setup:services`; safe to run when they are already up.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "ensure-services: $2 did not come up on port $1" >&2; return 1
}

if port_open 5432; then
  echo "postgresql: up"
else
  echo "postgresql: starting"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  wait_port 5432 PostgreSQL
fi

if port_open 4222; then
  echo "nats: up"
else
  echo "nats: starting"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server
  wait_port 4222 NATS
fi
