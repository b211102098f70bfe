#!/usr/bin/env bash
# Installs the system packages the test suite needs, and nothing else:
#   docker.io       dockerd + docker (a private engine is started per test run, see test/support/docker-engine.ts)
#   busybox-static  /bin/busybox, statically linked: the test image is built from it, no registry needed
#   util-linux      unshare, nsenter: the private engine runs in its own network namespace;
#                   flock: one build per app image when test files ask at once
#   iproute2        ip: the tests check that the host's interfaces and routes stay unchanged
#   chromium        /usr/bin/chromium for the e2e tests (driven by playwright-core)
#   pigz            parallel gzip, used by snapshots
#   mmdebstrap      builds the real-application test images (PostgreSQL, git) from Debian packages,
#                   see test/support/app-images.ts; with debian-archive-keyring (verifies the
#                   mirror) and mount (mmdebstrap mounts /proc, /sys and /dev in the new root)
#   libarchive-tools  bsdtar: snapshot downloads must open with it, not only with GNU tar
#   7zip            7zz: the same, with 7-Zip
#   git             restored git repositories are also checked with the host's git fsck
#   restic          restic: the retention rule is compared with restic's own forget
#   openssh-server  /usr/sbin/sshd + ssh-keygen: SFTP storage targets are tested against a real sshd that the
#                   harness starts on a loopback port with its own keys and config (test/support/sftp-server.ts);
#                   the package's own service is never started (policy-rc.d denies it during the install)
# Idempotent and fast when everything is present (no apt call at all). Debian/Ubuntu only.
set -euo pipefail

log() { echo "ensure-system-deps: $*"; }

have() { command -v "$1" >/dev/null 2>&1; }

# dockerd lives in /usr/sbin, which is not always on a non-login PATH.
have_sbin() { have "$1" || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] || [ -x "/usr/local/sbin/$1" ]; }

busybox_is_static() {
  [ -x /bin/busybox ] || return 1
  if have file; then
    file -L /bin/busybox | grep -q 'statically linked'
  else
    # ldd prints "not a dynamic executable" (exit 1) for static binaries.
    LC_ALL=C ldd /bin/busybox 2>&1 | grep -q 'not a dynamic executable'
  fi
}

# package name -> what it provides, in a stable order
declare -a missing=()
declare -A reason=()
need() {
  local pkg="$1" what="$2"
  if [ -z "${reason[$pkg]:-}" ]; then
    missing+=("$pkg")
    reason[$pkg]="$what"
  else
    reason[$pkg]="${reason[$pkg]}, $what"
  fi
}

check_all() {
  missing=()
  reason=()
  have_sbin dockerd || need docker.io dockerd
  have docker || need docker.io docker
  busybox_is_static || need busybox-static "/bin/busybox (static)"
  have_sbin unshare || need util-linux unshare
  have_sbin nsenter || need util-linux nsenter
  have_sbin ip || need iproute2 ip
  [ -x /usr/bin/chromium ] || need chromium /usr/bin/chromium
  have pigz || need pigz pigz
  have_sbin flock || need util-linux flock
  have mmdebstrap || need mmdebstrap mmdebstrap
  [ -s /usr/share/keyrings/debian-archive-keyring.gpg ] || need debian-archive-keyring /usr/share/keyrings/debian-archive-keyring.gpg
  have_sbin mount || need mount mount
  have bsdtar || need libarchive-tools bsdtar
  have 7zz || need 7zip 7zz
  have git || need git git
  have restic || need restic restic
  [ -x /usr/sbin/sshd ] || need openssh-server /usr/sbin/sshd
  have ssh-keygen || need openssh-server ssh-keygen
}

check_all
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  {
    echo "ensure-system-deps: missing system packages: ${missing[*]}"
    for pkg in "${missing[@]}"; do echo "  - $pkg (${reason[$pkg]})"; done
    echo "ensure-system-deps: not running as root; install them with:"
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
    echo "or re-run this script as root."
  } >&2
  exit 1
fi

if ! have apt-get; then
  echo "ensure-system-deps: apt-get not found; install these packages manually: ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# No package may start a system service (openssh-server would start the system sshd): deny it the way
# Debian's policy-rc.d protocol allows, for the length of the install, unless a policy is already in place.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# Not started now, and not at the next boot either: a system sshd would offer root logins on port 22.
if [[ " ${missing[*]} " == *" openssh-server "* ]] && [ -d /run/systemd/system ] && have systemctl; then
  systemctl disable --quiet ssh.service ssh.socket 2>/dev/null || true
fi

# Report what was installed, then make sure it actually fixed everything.
for pkg in "${missing[@]}"; do log "installed $pkg (${reason[$pkg]})"; done
check_all
if [ "${#missing[@]}" -ne 0 ]; then
  echo "ensure-system-deps: still missing after apt-get install: ${missing[*]}" >&2
  for pkg in "${missing[@]}"; do echo "  - $pkg (${reason[$pkg]})" >&2; done
  exit 1
fi
