#!/usr/bin/env python3
"""Writes the seed inputs of Fuzz/Corpus/ (small, real-shaped messages). Run from the
repository root; rtnetlink seeds are dumped from the kernel inside a private network namespace
(`unshare -n`), so nothing of the host is read or changed. Bug-named regression inputs are
kept by hand and never overwritten."""
import os, socket, struct, subprocess, sys

def write(target, name, data):
    os.makedirs(f"Fuzz/Corpus/{target}", exist_ok=True)
    with open(f"Fuzz/Corpus/{target}/{name}", "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

# --- AT port: replies as the BG95 sends them (bg95-reference.md), with echoes and URCs.
at = {
    "seed-cereg-read": "AT+CEREG?\r\r\n+CEREG: 2,1,\"1A2B\",\"01A2B3C4\",8\r\n\r\nOK\r\n",
    "seed-ati": "ATI\r\r\nQuectel\r\nBG95-M3\r\nRevision: BG95M3LAR02A03\r\n\r\nOK\r\n",
    "seed-cgdcont": "AT+CGDCONT?\r\r\n+CGDCONT: 1,\"IP\",\"internet\",\"0.0.0.0\",0,0,0\r\n+CGDCONT: 2,\"IPV4V6\",\"\",\"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0\",0,0,0\r\n\r\nOK\r\n",
    "seed-qcsq-urcs": "AT+QCSQ\r\r\n+CEREG: 5,\"1A2B\",\"01A2B3C4\",8\r\n+QCSQ: \"eMTC\",-65,-95,120,-10\r\n\r\nOK\r\n+QIURC: \"pdpdeact\",1\r\n",
    "seed-cops-cme": "AT+COPS?\r\r\n+COPS: 0,0,\"Telekom.de\",8\r\n\r\nOK\r\nAT+CPIN?\r\r\n+CME ERROR: 10\r\n",
    "seed-boot-urcs": "\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n\r\n+CGEV: ME DETACH\r\n+CGEV: NW PDN DEACT 1\r\n",
    "seed-qping": "AT+QPING=1,\"198.51.100.7\"\r\r\nOK\r\n\r\n+QPING: 0,\"198.51.100.7\",32,12,255\r\n\r\n+QPING: 0,4,4,0,11,12,14\r\n",
    "seed-qcfg": "AT+QCFG=\"band\"\r\r\n+QCFG: \"band\",0xf,0x80084,0x80084\r\n\r\nOK\r\n+QCFG: \"nwscanseq\",020301\r\n+QCFG: \"nwscanmode\",3\r\n+QCFG: \"iotopmode\",0\r\n+QCFGEXT: \"usbnet\",\"ecm\"\r\n+QNETDEVCTL: 1,1,1,1\r\n+QIACT: 1,1,1,\"10.64.11.124\"\r\n+CGATT: 1\r\n+CGPADDR: 1,\"10.64.11.124\"\r\n+QNWINFO: \"eMTC\",\"26201\",\"LTE BAND 20\",6300\r\n+CSQ: 20,99\r\n+QURCCFG: \"urcport\",\"usbat\"\r\n> ",
    "seed-raw-smuggle": "ATI+CGDCONT=2,\"IP\",\"smuggled\"",
    "seed-raw-one": "AT+QICSGP=1,1,\"internet\",\"\",\"\",0",
}
for name, text in at.items():
    write("at-protocol", name, text)

# --- DHCP: an OFFER and an ACK as dnsmasq sends them, a NAK, and a stored lease file.
def dhcp(op_type, xid, yiaddr, options):
    chaddr = bytes([0x02, 0x95, 0, 0, 0, 1]) + bytes(10)
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, xid, 0, 0, bytes(4), socket.inet_aton(yiaddr),
                         socket.inet_aton("192.168.225.1"), bytes(4), chaddr, bytes(64), bytes(128))
    opts = bytes([53, 1, op_type])
    for code, value in options:
        opts += bytes([code, len(value)]) + value
    return header + bytes([99, 130, 83, 99]) + opts + bytes([255])
ip = socket.inet_aton
common = [(54, ip("192.168.225.1")), (51, struct.pack("!I", 3600)), (58, struct.pack("!I", 1800)),
          (59, struct.pack("!I", 3150)), (1, ip("255.255.255.0")), (28, ip("192.168.225.255")),
          (3, ip("192.168.225.1")), (6, ip("192.168.225.1") + ip("198.51.100.53")), (15, b"lan"), (26, struct.pack("!H", 1500))]
write("dhcp", "seed-offer", dhcp(2, 0x12345678, "192.168.225.20", common))
write("dhcp", "seed-ack", dhcp(5, 0x12345678, "192.168.225.20", common))
write("dhcp", "seed-nak", dhcp(6, 0x12345678, "0.0.0.0", [(54, ip("192.168.225.1")), (56, b"wrong address")]))
write("dhcp", "seed-stored-lease", "# bg95 DHCP lease (INIT-REBOOT state)\nversion=1\naddress=192.168.225.20\nprefix=24\n"
      "server=192.168.225.1\ngateway=192.168.225.1\ndns=192.168.225.1\nlease=3600\nacquired=1790000000\n")

# --- Control requests, one line each (docs/control-api.md).
for i, line in enumerate([
    '{"v":1,"id":1,"cmd":"status"}', '{"v":1,"id":2,"cmd":"up","follow":true}', '{"v":1,"id":3,"cmd":"down","follow":false}',
    '{"v":1,"id":4,"cmd":"reset"}', '{"v":1,"id":5,"cmd":"at","command":"AT+QCSQ","timeout":30}',
    '{"v":1,"id":6,"cmd":"watch","urcs":true}', '{"v":1,"id":7,"cmd":"doctor"}',
    '{"v":1,"id":null,"cmd":"status","ok":true,"result":{"state":"online"}}', '{"v":1,"event":"urc","line":"+CEREG: 1"}',
    '{"v":1,"event":"state","state":"online","previous":"dhcp"}', '[[[[{"v":1}]]]]', '{"v":1,"id":1e300,"cmd":"st\\u0000atus"}']):
    write("control-request", f"seed-{i:02d}", line)

# --- Configuration: the shipped example.
with open("config/bg95d.conf.example", "rb") as f:
    write("configuration", "seed-example", f.read())
write("configuration", "seed-small", "apn = internet\npin = 1234\ninterface = eth2\nprobe-target = 198.51.100.7\n")

# --- rtnetlink: kernel dumps of links, addresses, routes and rules in a fresh namespace.
if len(sys.argv) > 1 and sys.argv[1] == "--in-namespace":
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "link", "add", "dummy95", "type", "veth", "peer", "name", "peer95"], check=True)
    subprocess.run(["ip", "link", "set", "dummy95", "up"], check=True)
    subprocess.run(["ip", "addr", "add", "192.168.225.20/24", "dev", "dummy95"], check=True)
    subprocess.run(["ip", "route", "add", "default", "via", "192.168.225.1", "dev", "dummy95", "table", "225", "proto", "149"], check=True)
    subprocess.run(["ip", "rule", "add", "from", "192.168.225.20", "lookup", "225", "proto", "149"], check=True)
    for name, kind, family in [("link", 18, 0), ("addr", 22, 2), ("route", 26, 2), ("rule", 34, 2)]:
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        body = struct.pack("BBBBI", family, 0, 0, 0, 0) if kind != 18 else struct.pack("BBHiII", family, 0, 0, 0, 0, 0)
        s.send(struct.pack("IHHII", 16 + len(body), kind, 0x301, 1, 0) + body)
        data = s.recv(65536)
        write("rtnetlink", f"seed-{name}-dump", data[:4096])
else:
    subprocess.run(["unshare", "-n", sys.executable, __file__, "--in-namespace"], check=True)
