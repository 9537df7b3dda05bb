#!/usr/bin/env bash
# Installs the Debian packages Patrol and its test suite use. Idempotent: only missing packages are
# installed. Usage: scripts/install-system-deps.sh [runtime|test]
#   runtime: what `patrol` needs to run inspections (Ansible, SSH client, Python DB drivers).
#   test:    runtime + the real servers the tests start themselves (sshd, Redis, PostgreSQL, MariaDB,
#            Chromium, Prometheus tools, Alertmanager, etcd, containerd and runc).
set -euo pipefail
profile="${1:-test}"

runtime_pkgs=(ansible openssh-client python3 python3-psycopg2 python3-pymysql python3-redis iproute2 procps util-linux e2fsprogs ca-certificates openssl sshpass)
test_pkgs=(openssh-server redis-server postgresql-15 mariadb-server chromium prometheus prometheus-alertmanager dbus systemd-container chrony systemd etcd-server etcd-client containerd runc)

pkgs=("${runtime_pkgs[@]}")
[ "$profile" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${#pkgs[@]})"
  exit 0
fi

echo "system packages missing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Patrol needs these Debian packages. Run as root:" >&2
  echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 3
fi
export DEBIAN_FRONTEND=noninteractive
# Package lists may be stale or absent on a fresh machine; refresh once per boot.
if [ ! -f /var/lib/apt/periodic/patrol-updated ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
  apt-get update -qq
  mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/patrol-updated
fi
# policy-rc.d keeps package scripts from trying to start services (there is no init system here).
if [ ! -f /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages installed: ${missing[*]}"
