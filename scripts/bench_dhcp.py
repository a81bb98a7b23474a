#!/usr/bin/env python3
"""DHCP client benchmark harness (run by scripts/bench.sh inside the client namespace).

For each client command line, in interleaved rounds: clear the interface and the client's saved state,
read the packet counters in the server namespace, start the client, wait for the kernel to
announce an IPv4 address on the interface (RTM_NEWADDR on an rtnetlink socket subscribed
before the start, so nothing is polled), stop the client and read the counters. Prints one
JSON line per run: {"client","run","ms","packets"}.
"""
import json, os, signal, socket, struct, subprocess, sys, time

RTMGRP_IPV4_IFADDR = 0x10
RTM_NEWADDR = 20
NLMSG_HDR = struct.Struct("=IHHII")
IFADDRMSG = struct.Struct("=BBBBI")


def wait_for_address(sock, ifindex, deadline):
    """Blocks until RTM_NEWADDR (IPv4) for ifindex arrives or the deadline passes."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        sock.settimeout(left)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            return False
        offset = 0
        while offset + NLMSG_HDR.size <= len(data):
            length, kind, _, _, _ = NLMSG_HDR.unpack_from(data, offset)
            if length < NLMSG_HDR.size:
                break
            if kind == RTM_NEWADDR and offset + NLMSG_HDR.size + IFADDRMSG.size <= len(data):
                family, _, _, _, index = IFADDRMSG.unpack_from(data, offset + NLMSG_HDR.size)
                if family == socket.AF_INET and index == ifindex:
                    return True
            offset += (length + 3) & ~3


def counters(server_ns):
    """Packets to port 67 (client -> server) and from port 67 (server -> client) seen by nft."""
    out = subprocess.run(["ip", "netns", "exec", server_ns, "nft", "-j", "list", "table", "inet", "bg95bench"],
                         capture_output=True, text=True, check=True).stdout
    total = 0
    for item in json.loads(out)["nftables"]:
        rule = item.get("rule")
        if not rule:
            continue
        for expr in rule["expr"]:
            if "counter" in expr:
                total += expr["counter"]["packets"]
    return total


def measure(name, argv, state_files, interface, ifindex, server_ns):
    subprocess.run(["ip", "-4", "addr", "flush", "dev", interface], check=True)
    subprocess.run(["ip", "link", "set", interface, "up"], check=True)
    for path in state_files:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    before = counters(server_ns)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.bind((0, RTMGRP_IPV4_IFADDR))
    start = time.monotonic()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    ok = wait_for_address(sock, ifindex, start + 30)
    elapsed = (time.monotonic() - start) * 1000
    sock.close()
    packets = counters(server_ns) - before
    if child.poll() is None:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    return round(elapsed, 2) if ok else None, packets


def main():
    """argv: interface server-namespace runs clients.json (a list of {name, argv, stateFiles}).

    Runs are interleaved (one of each client per round, the order rotating every round) so
    that load from other processes on the machine spreads evenly over the clients."""
    interface, server_ns, runs, config = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    clients = json.load(open(config))
    ifindex = socket.if_nametoindex(interface)
    for run in range(runs):
        shift = run % len(clients)
        for client in clients[shift:] + clients[:shift]:
            ms, packets = measure(client["name"], client["argv"], client.get("stateFiles", []), interface, ifindex, server_ns)
            print(json.dumps({"client": client["name"], "run": run, "ms": ms, "packets": packets}), flush=True)


if __name__ == "__main__":
    main()
