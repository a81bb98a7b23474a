#!/bin/sh
# Installs the system packages bg95 builds and tests against, only when something is missing.
# Debian/Ubuntu (apt). Safe to run repeatedly; does nothing when all are present.
set -eu
PACKAGES="libudev-dev libmnl-dev pkg-config umockdev libumockdev-dev dnsmasq-base nftables iproute2 iputils-ping bind9-dnsutils systemd busybox python3"
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: need root to apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
