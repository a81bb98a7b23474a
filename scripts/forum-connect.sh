#!/bin/sh
# forum-connect.sh: bring a Quectel BG95 online the way forum posts do it by hand, as the
# baseline `make bench` compares bg95d with (issue 13). Not a product: no recovery, no checks
# beyond what such scripts do.
#
#   busybox sh scripts/forum-connect.sh APN [IFACE] [TEST_HOST]
#
# 1. wait for the AT port (the third /dev/ttyUSB*, USB interface 2), talk to it with plain
#    shell redirection (`exec 3<>/dev/ttyUSB2`, printf, read until OK/ERROR);
# 2. if `AT+QCFGEXT="usbnet"` is not "ecm": switch to ECM, `AT+CFUN=1,1`, wait (checking once a
#    second) for IFACE to appear and the module to answer AT;
# 3. `AT+CGDCONT=1,"IP","APN"`, then poll `AT+CEREG?` once a second until home or roaming;
# 4. the data call: `AT+QNETDEVCTL=1,1,1` where the firmware has it, else `AT+CGACT=1,1`;
# 5. `ip link set IFACE up`, busybox udhcpc with its default script (address, default route,
#    /etc/resolv.conf: run it in a network namespace whose /etc/netns/<ns>/resolv.conf exists,
#    as `make bench` does, so the host's file is not touched);
# 6. ping TEST_HOST through IFACE (once a second) until it answers; print "online", exit 0.
# Exits 1 after ~5 minutes without success. Runs with busybox ash (`read -t`).
set -u
APN=${1:-internet}
IFACE=${2:-eth2}
HOST=${3:-198.51.100.7}
CR=$(printf '\r')
start=$(date +%s)

log() { echo "forum-connect: $*" >&2; }
give_up() {
    [ $(($(date +%s) - start)) -lt 300 ] && return 1
    log "giving up: $1"
    exit 1
}

port() { ls /dev/ttyUSB* 2>/dev/null | sed -n 3p; }

# at COMMAND [SECONDS]: prints the reply lines, returns 0 on OK.
at() {
    p=$(port)
    [ -n "$p" ] || return 1
    exec 3<>"$p" || return 1
    stty -F "$p" 115200 raw -echo 2>/dev/null
    printf '%s\r' "$1" >&3
    result=1
    while IFS= read -r -t "${2:-5}" line <&3; do
        line=${line%"$CR"}
        case "$line" in
            OK) result=0; break ;;
            *ERROR*) break ;;
            ""|AT*) ;;
            *) echo "$line" ;;
        esac
    done
    exec 3<&-
    return $result
}

until [ -n "$(port)" ]; do give_up "no AT port"; sleep 1; done
until at AT >/dev/null; do give_up "no answer on $(port)"; sleep 1; done

if ! at 'AT+QCFGEXT="usbnet"' | grep -q '"ecm"'; then
    log "switching to ECM and rebooting the module"
    at 'AT+QCFGEXT="usbnet","ecm"' >/dev/null
    at 'AT+CFUN=1,1' 15 >/dev/null
    sleep 1
    until ip link show "$IFACE" >/dev/null 2>&1; do give_up "no $IFACE"; sleep 1; done
    until at AT >/dev/null; do give_up "no answer after reboot"; sleep 1; done
fi

at "AT+CGDCONT=1,\"IP\",\"$APN\"" >/dev/null
until at 'AT+CEREG?' | grep -q '^+CEREG: [0-9],[15]'; do give_up "not registered"; sleep 1; done
log "registered"

if at 'AT+QNETDEVCTL=?' >/dev/null; then
    at 'AT+QNETDEVCTL=1,1,1' 15 >/dev/null
else
    at 'AT+CGACT=1,1' 150 >/dev/null
fi
log "data call requested"

ip link set "$IFACE" up
until busybox udhcpc -i "$IFACE" -n -q >/dev/null 2>&1; do give_up "no lease"; sleep 1; done
log "lease on $IFACE"
until ping -c 1 -W 1 -I "$IFACE" "$HOST" >/dev/null 2>&1; do give_up "no ping"; done
echo online
