#!/bin/sh
# make bench: one run, one table (issue 13). First scripts/bench_online.py: time to online on
# bg95sim at speed 1 (bg95d vs scripts/forum-connect.sh, BENCH_RUNS paired runs, default 3),
# detection and recovery, footprint (bg95d, busybox udhcpc, ModemManager; BENCH_IDLE seconds
# per idle window, default 60), control latencies; BENCH_PARTS="online recovery footprint dhcp"
# picks parts. Then the DHCP client benchmark below.
#
# DHCP client benchmark. Runs bg95d's client, dhcpcd (nodelay, noarp, rapid
# commit), ISC dhclient and busybox udhcpc against the same dnsmasq, over a veth between two
# network namespaces this script creates and deletes, RUNS interleaved rounds (default 10; one
# run of every client per round, order rotating, so load from other processes spreads evenly),
# and prints min/median/max milliseconds from client start to "address on the interface" (the kernel's
# RTM_NEWADDR) and the DHCP packets on the wire (nft counters in the server namespace).
# Not a test: numbers depend on the machine. Needs root. Installs the other clients with apt.
set -eu
RUNS=${RUNS:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=bb$$
CNS=$P-c
SNS=$P-s
WORK=$(mktemp -d /tmp/bg95-bench.XXXXXX)

[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }
need=""
command -v dhcpcd >/dev/null 2>&1 || need="$need dhcpcd-base"
command -v dhclient >/dev/null 2>&1 || need="$need isc-dhcp-client"
command -v busybox >/dev/null 2>&1 || need="$need busybox"
command -v python3 >/dev/null 2>&1 || need="$need python3"
[ -x /etc/udhcpc/default.script ] || need="$need udhcpc"
command -v ModemManager >/dev/null 2>&1 || need="$need modemmanager dbus"
if [ -n "$need" ]; then
    echo "bench: installing$need" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

cleanup() {
    for ns in $CNS $SNS; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf /etc/netns/$CNS "$WORK" /var/lib/dhcpcd/bench0.lease
}
trap cleanup EXIT INT TERM

# Release build with the Swift runtime linked statically, as an embedded deployment would ship
# it: this saves the dynamic loading of the Swift libraries at every start.
# BENCH_SWIFTFLAGS: the flags `make install` builds with (the Makefile passes them).
FLAGS=${BENCH_SWIFTFLAGS:---static-swift-stdlib}
echo "bench: building bg95d, bg95ctl, bg95sim (release, $FLAGS)" >&2
for product in bg95d bg95ctl bg95sim; do
    (cd "$ROOT" && swift build -c release $FLAGS --product $product >/dev/null)
done
RELEASE="$(cd "$ROOT" && swift build -c release --show-bin-path)"
BG95D="$RELEASE/bg95d"
PARTS=${BENCH_PARTS:-online recovery footprint dhcp}

echo "bench: machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
online_parts=$(echo "$PARTS" | tr ' ' '\n' | grep -v '^dhcp$' | tr '\n' ' ')
if [ -n "${online_parts% }" ]; then
    python3 "$ROOT/scripts/bench_online.py" --bin-dir "$RELEASE" --release-dir "$RELEASE" --build-flags "$FLAGS" \
        --parts $online_parts
    echo
    echo "What the bg95d binary is made of (nm symbol sizes by module):"
    python3 "$ROOT/scripts/bench_size.py" "$BG95D"
fi
case " $PARTS " in *" dhcp "*) ;; *) exit 0 ;; esac
echo
echo "DHCP: client start to address on the interface (ms), $RUNS interleaved rounds"

ip netns add $CNS
ip netns add $SNS
ip -n $CNS link set lo up
ip -n $SNS link set lo up
ip link add bench0 netns $CNS type veth peer name bench0p netns $SNS
ip -n $SNS addr add 192.168.225.1/24 dev bench0p
ip -n $SNS link set bench0p up
ip -n $CNS link set bench0 up
# Clients that write /etc/resolv.conf (dhclient-script) write this copy instead: `ip netns exec`
# bind-mounts /etc/netns/<ns>/resolv.conf over /etc/resolv.conf.
mkdir -p /etc/netns/$CNS
: > /etc/netns/$CNS/resolv.conf

ip netns exec $SNS nft -f - <<NFT
table inet bg95bench {
    chain in { type filter hook input priority 0; udp dport 67 counter; }
    chain out { type filter hook output priority 0; udp sport 67 counter; }
}
NFT
ip netns exec $SNS dnsmasq --conf-file=/dev/null --bind-interfaces --interface=bench0p --except-interface=lo \
    --port=0 --no-ping --dhcp-rapid-commit --dhcp-range=192.168.225.20,192.168.225.60,255.255.255.0,2m \
    --dhcp-leasefile=$WORK/dnsmasq.leases --pid-file=$WORK/dnsmasq.pid

cat > $WORK/dhcpcd.conf <<CONF
nodelay
noarp
option rapid_commit
ipv4only
noipv4ll
nohook resolv.conf, hostname, ntp.conf, timesyncd.conf, chrony.conf
CONF
cat > $WORK/dhcpcd-norc.conf <<CONF
nodelay
noarp
ipv4only
noipv4ll
nohook resolv.conf, hostname, ntp.conf, timesyncd.conf, chrony.conf
CONF
cat > $WORK/udhcpc.script <<'SCRIPT'
#!/bin/sh
case "$1" in
    bound|renew) ip addr add "$ip/$subnet" dev "$interface" ;;
esac
SCRIPT
chmod +x $WORK/udhcpc.script

python3 - "$WORK/clients.json" "$BG95D" "$WORK" <<'PY'
import json, sys
path, bg95d, work = sys.argv[1:]
clients = [
    {"name": "bg95d (rapid commit)", "argv": [bg95d, "dhcp", "bench0", "--configure", "--set", "dns_backend=none", "--set", f"state_dir={work}/state"]},
    {"name": "bg95d (no rapid commit)", "argv": [bg95d, "dhcp", "bench0", "--configure", "--no-rapid-commit", "--set", "dns_backend=none", "--set", f"state_dir={work}/state"]},
    {"name": "dhcpcd nodelay noarp rapid_commit", "stateFiles": ["/var/lib/dhcpcd/bench0.lease"],
     "argv": ["dhcpcd", "-f", f"{work}/dhcpcd.conf", "-4", "-B", "-1", "bench0"]},
    {"name": "dhcpcd nodelay noarp", "stateFiles": ["/var/lib/dhcpcd/bench0.lease"],
     "argv": ["dhcpcd", "-f", f"{work}/dhcpcd-norc.conf", "-4", "-B", "-1", "bench0"]},
    {"name": "ISC dhclient", "stateFiles": [f"{work}/dhclient.leases"],
     "argv": ["dhclient", "-4", "-1", "-d", "-lf", f"{work}/dhclient.leases", "-pf", f"{work}/dhclient.pid", "bench0"]},
    {"name": "busybox udhcpc", "argv": ["busybox", "udhcpc", "-i", "bench0", "-f", "-q", "-n", "-s", f"{work}/udhcpc.script"]},
]
json.dump(clients, open(path, "w"))
PY
echo "bench: $RUNS interleaved rounds" >&2
ip netns exec $CNS python3 "$ROOT/scripts/bench_dhcp.py" bench0 $SNS "$RUNS" $WORK/clients.json > $WORK/results.jsonl

python3 - "$WORK/results.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
order = []
for r in rows:
    if r["client"] not in order: order.append(r["client"])
print(f"{'client':36} {'min':>8} {'median':>8} {'max':>8}  {'packets':>7}  ok")
for c in order:
    rs = [r for r in rows if r["client"] == c]
    ms = sorted(r["ms"] for r in rs if r["ms"] is not None)
    pk = sorted(r["packets"] for r in rs)
    if ms:
        print(f"{c:36} {ms[0]:8.2f} {statistics.median(ms):8.2f} {ms[-1]:8.2f}  {statistics.median(pk):7g}  {len(ms)}/{len(rs)}")
    else:
        print(f"{c:36} {'-':>8} {'-':>8} {'-':>8}  {'-':>7}  0/{len(rs)}")
PY
