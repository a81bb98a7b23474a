#!/bin/sh
# make demo: the whole product end to end on a machine without a modem.
#
#   1. installs what is missing (scripts/install-deps.sh) and builds;
#   2. starts bg95sim (a simulated BG95 starting in USB "modem" mode, realistic latencies) in
#      network namespaces it creates, and bg95d inside the "host" namespace with an APN;
#   3. shows each supervisor state as it is reached, then the lease, routes, DNS, a ping and a
#      DNS lookup of the simulator's test host through the ECM interface;
#   4. prints a summary and tears everything down (namespaces included).
#
# Exit status 0 only when the ping and the DNS lookup through the ECM interface succeeded.
# Options: --keep (or DEMO_KEEP=1) keeps everything running for exploration with bg95ctl
# until you press Enter. DEMO_SPEED=F divides the simulator's latencies by F (default 1).
# Needs root (network namespaces). Touches nothing outside the namespaces it creates.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" = "--inside" ]; then
    # Second half: runs inside the simulator's host namespace (bg95sim run), with the fake
    # udev/tty environment set up for us.
    shift
    work=$1
    bin=$2
    keep=$3
    iface=eth2
    ok=0
    say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

    # Only bg95d runs against the fake udev/tty (umockdev's preload); ping, dig and ip must
    # not (dig hangs under the preload).
    preload=${LD_PRELOAD:-}
    testbed=${UMOCKDEV_DIR:-}
    unset LD_PRELOAD UMOCKDEV_DIR
    env LD_PRELOAD="$preload" UMOCKDEV_DIR="$testbed" "$bin/bg95d" run --config "$work/bg95d.conf" 2>"$work/bg95d.log" &
    daemon=$!
    stop_daemon() {
        if kill -0 "$daemon" 2>/dev/null; then
            kill -TERM "$daemon" 2>/dev/null || true
            wait "$daemon" 2>/dev/null || true
        fi
    }
    trap stop_daemon EXIT INT TERM

    # The control socket appears once the daemon is up; then follow its states.
    i=0
    while [ ! -S "$work/control.sock" ]; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$daemon" 2>/dev/null; then
            echo "bg95d did not start; its log:" >&2
            cat "$work/bg95d.log" >&2
            exit 1
        fi
        sleep 0.1
    done
    say "bg95d is running; following its states until online (the module boots in modem mode,"
    say "bg95d switches it to ECM, which reboots it, then registers and starts the data call)"
    if ! "$bin/bg95ctl" watch --socket "$work/control.sock" --until online --timeout 300; then
        echo "bg95d did not reach online; its log:" >&2
        cat "$work/bg95d.log" >&2
        exit 1
    fi

    say "status"
    "$bin/bg95ctl" status --socket "$work/control.sock" || true
    say "the lease on $iface"
    ip -4 address show dev "$iface"
    address=$(ip -4 -o address show dev "$iface" | awk '{print $4}' | cut -d/ -f1 | head -n1)
    say "routes and rules bg95d installed (protocol 0x95)"
    ip -4 route show table all proto 149 || true
    ip -4 rule show | grep -v -e '^0:' -e '^3276[67]:' || true
    say "DNS (dns_backend = file: $work/resolv.conf)"
    cat "$work/resolv.conf" 2>/dev/null || echo "(no DNS file)"
    resolver=$(awk '/^nameserver/ {print $2; exit}' "$work/resolv.conf" 2>/dev/null || true)

    say "ping $BG95SIM_TEST_HOST through $iface from $address"
    ping_ok=no
    if ping -c 3 -W 3 -I "$iface" "$BG95SIM_TEST_HOST"; then ping_ok=yes; fi
    say "dig @$resolver $BG95SIM_TEST_NAME through $iface"
    dns_ok=no
    answer=""
    if [ -n "$resolver" ] && [ -n "$address" ]; then
        answer=$(dig @"$resolver" -b "$address" +time=3 +tries=2 +short "$BG95SIM_TEST_NAME" A || true)
        echo "$answer"
        [ "$answer" = "$BG95SIM_TEST_HOST" ] && dns_ok=yes
    fi

    say "the daemon's log (one line per state change and action)"
    grep -e 'state:' -e 'action:' -e 'lease' -e 'probe' "$work/bg95d.log" | sed 's/^<[0-9]>//' || true

    echo
    echo "Summary"
    echo "  module:    simulated BG95 ($BG95SIM_PREFIX), started in modem mode, switched to ECM by bg95d"
    echo "  interface: $iface, address $address, resolver ${resolver:-none}"
    echo "  ping $BG95SIM_TEST_HOST via $iface:  $ping_ok"
    echo "  dig $BG95SIM_TEST_NAME via $iface:   $dns_ok${answer:+ ($answer)}"
    [ "$ping_ok" = yes ] && [ "$dns_ok" = yes ] && ok=1

    if [ "$keep" = 1 ]; then
        echo
        echo "Kept running. In another terminal (as root):"
        echo "  ip netns exec $BG95SIM_NETNS_HOST $bin/bg95ctl status --socket $work/control.sock"
        echo "  ip netns exec $BG95SIM_NETNS_HOST $bin/bg95ctl watch --socket $work/control.sock"
        echo "  $bin/bg95sim ctl --socket $BG95SIM_CTL pdp-drop     (and other faults: unplug, reboot, ...)"
        echo "Press Enter to tear everything down."
        read -r _ </dev/tty || true
    fi
    stop_daemon
    trap - EXIT INT TERM
    say "bg95d stopped; what it left behind (should be nothing):"
    ip -4 route show table all proto 149 || true
    [ $ok = 1 ] && exit 0
    exit 1
fi

keep=${DEMO_KEEP:-0}
[ "${1:-}" = "--keep" ] && keep=1
if [ "$(id -u)" -ne 0 ]; then
    echo "make demo needs root (network namespaces); run: sudo make demo" >&2
    exit 1
fi

"$here/scripts/install-deps.sh"
cd "$here"
echo "==> building"
swift build 2>&1 | tail -n 3
bin=$(swift build --show-bin-path)

work=$(mktemp -d /tmp/bg95-demo.XXXXXX)
cleanup() { rm -rf "$work"; }
trap cleanup EXIT INT TERM
prefix="demo$(($$ % 10000))"
cat >"$work/bg95d.conf" <<EOF
# bg95d configuration for the demo (see config/bg95d.conf.example)
apn = internet.demo
probe_target = 198.51.100.7
probe_interval = 60s
probe_timeout = 3s
dns_backend = file
dns_file = $work/resolv.conf
control_socket = $work/control.sock
state_dir = $work/state
log_level = info
EOF

echo "==> starting the simulated module ($prefix) and bg95d"
status=0
"$bin/bg95sim" run --prefix "$prefix" --mode modem --speed "${DEMO_SPEED:-1}" -- \
    /bin/sh "$here/scripts/demo.sh" --inside "$work" "$bin" "$keep" || status=$?
if [ $status -eq 0 ]; then
    echo "==> demo succeeded: online, ping and DNS lookup through the ECM interface worked"
else
    echo "==> demo FAILED (status $status)" >&2
fi
exit $status
