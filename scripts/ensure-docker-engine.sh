#!/usr/bin/env bash
# For `npm start`: make sure a Docker engine answers on the default socket, installing
# Debian's docker.io and starting it when missing (as root). Never fatal: without an
# engine Berth still serves and shows a "Docker unreachable" banner.
# Skipped when DOCKER_HOST names another engine or BERTH_SKIP_DOCKER_SETUP=1.
set -uo pipefail

[ -n "${DOCKER_HOST:-}" ] && exit 0
[ "${BERTH_SKIP_DOCKER_SETUP:-}" = "1" ] && exit 0
sock=/var/run/docker.sock
log() { echo "berth: $*"; }
engine_up() {
  [ -S "$sock" ] && node -e "require('http').get({ socketPath: '$sock', path: '/_ping', timeout: 2000 },
    (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"
}

engine_up && exit 0
if [ "$(id -u)" -ne 0 ]; then
  log "no Docker engine at $sock; install and start one (e.g. apt-get install docker.io) or set DOCKER_HOST"
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1 && [ ! -x /usr/sbin/dockerd ]; then
  log "installing Debian's docker.io..."
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
    || { log "could not install docker.io; continuing without a Docker engine"; exit 0; }
fi
log "starting the Docker engine..."
# The init script works with and without systemd; a bare dockerd is the last resort.
service docker start >/dev/null 2>&1 || (nohup /usr/sbin/dockerd >/var/log/berth-dockerd.log 2>&1 &)
for _ in $(seq 1 60); do
  engine_up && { log "Docker engine is up"; exit 0; }
  sleep 0.5
done
log "the Docker engine did not come up (see /var/log/docker.log or /var/log/berth-dockerd.log); continuing without it"
exit 0
