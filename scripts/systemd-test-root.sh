#!/bin/sh
# Prints the path of a Debian bookworm root that boots with systemd as PID 1 under
# systemd-nspawn (Tests/SystemdIntegrationTests). Made with debootstrap (~3 min) only when the
# cached one is missing; cached under /var/cache/bg95-test/, keyed by suite + package list, so
# a change of either builds a new one. The cached root is never changed: a test boots it
# through an overlay.
#
# What the root holds: systemd + dbus (PID 1 and systemctl), iproute2, and what bg95d needs at
# run time: libudev1, libmnl0 and, for the simulated module, the umockdev preload (the same
# Debian version as the host's: both come from bookworm).
set -eu
SUITE=bookworm
PACKAGES="systemd,systemd-sysv,dbus,iproute2,libudev1,libmnl0,umockdev"
CACHE=${BG95_TEST_CACHE:-/var/cache/bg95-test}

key=$(printf '%s %s %s\n' "$SUITE" "$PACKAGES" "$(dpkg --print-architecture)" | sha256sum | cut -c1-16)
root="$CACHE/systemd-root-$key"
[ -f "$root/.bg95-complete" ] && { echo "$root"; exit 0; }

for tool in debootstrap flock; do
    command -v $tool >/dev/null || { echo "systemd-test-root: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "systemd-test-root: needs root for debootstrap" >&2; exit 1; }

# The mirror the host's apt uses (the only Debian mirror reachable here).
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || { echo "systemd-test-root: no Debian mirror in /etc/apt/sources.list(.d)" >&2; exit 1; }

mkdir -p "$CACHE"
# One builder at a time; a second caller waits and then finds the finished root.
exec 9>"$CACHE/.lock"
flock 9
[ -f "$root/.bg95-complete" ] && { echo "$root"; exit 0; }
rm -rf "$root.partial"
echo "systemd-test-root: debootstrap $SUITE into $root (~3 min, once)" >&2
if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$root.partial" "$mirror" >"$CACHE/debootstrap-$key.log" 2>&1; then
    echo "systemd-test-root: debootstrap failed; last lines of $CACHE/debootstrap-$key.log:" >&2
    tail -n 20 "$CACHE/debootstrap-$key.log" >&2
    rm -rf "$root.partial"
    exit 1
fi
rm -rf "$root.partial/var/cache/apt/archives/"*.deb
# A machine id makes journald keep its journal in /var/log/journal.
systemd-machine-id-setup --root="$root.partial" >/dev/null 2>&1 || true
touch "$root.partial/.bg95-complete"
rm -rf "$root"
mv "$root.partial" "$root"
echo "$root"
