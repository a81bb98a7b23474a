/// The plain serial client the simulator tests run inside `<prefix>-host` under the umockdev
/// preload (so it sees the fake /sys and /dev like the daemon does). Python keeps it short;
/// it only uses the standard library. Written to a temporary file by `SimulatorHarness`.
enum ATClientScript {
    static let source = #"""
#!/usr/bin/python3
"""A plain serial client for bg95sim tests: finds the AT port (USB interface 2 of 2c7c:0700)
in /sys, opens it O_NOCTTY (isatty is false on the umockdev node, so no termios), and runs
steps given as arguments:
  cmd:<AT command>        send it, print every line until OK/ERROR/+CME ERROR
  send:<text>             send text + CR without waiting
  until:<cmd> ~ <regex>   repeat cmd every 0.2 s until a line of its response matches
  sync                    send AT every 0.2 s until OK (after a reboot, when boot URCs were missed)
  expect:<regex>          read until a line matches (prints lines); fails after the timeout
  reopen                  close, wait for the AT port to re-appear under a new name, open it
  gone                    wait until the current port's node has disappeared
  raw:<seconds>           read raw bytes for that long and print them as hex
  ctl:<verb [args]>       run `bg95sim ctl` ($BG95SIM_BIN) and print its reply as "! reply"
  silent:<regex>          no line matching regex may arrive within the timeout
  noanswer:<AT command>   send it; nothing at all may arrive within the timeout
  sleep:<seconds>
  timeout:<seconds>       timeout for the following steps (default 20)
Lines read are printed as "< line", sent ones as "> text"; "@ port /dev/ttyUSBn" on open.
Exit 0 when all steps passed, 3 on a timeout (with a message on stderr)."""
import os, re, select, sys, time

def at_port():
    base = "/sys/bus/usb/devices"
    try:
        names = os.listdir(base)
    except OSError:
        return None
    for name in sorted(names):
        d = os.path.join(base, name)
        try:
            with open(os.path.join(d, "bInterfaceNumber")) as f:
                if f.read().strip() != "02":
                    continue
        except OSError:
            continue
        parent = os.path.join(base, name.split(":")[0])
        try:
            with open(os.path.join(parent, "idVendor")) as f:
                if f.read().strip() != "2c7c":
                    continue
        except OSError:
            continue
        try:
            children = sorted(os.listdir(d))
        except OSError:
            continue
        for child in children:
            if child.startswith("ttyUSB"):
                return "/dev/" + child
    return None

class Port:
    def __init__(self):
        self.fd = None
        self.path = None
        self.buf = b""
    def open(self, timeout, avoid=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            p = at_port()
            if p and p != avoid:
                try:
                    self.fd = os.open(p, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
                    self.path = p
                    self.buf = b""
                    print("@ port " + p, flush=True)
                    return
                except OSError:
                    pass
            time.sleep(0.02)
        fail("no AT port" + (" other than " + avoid if avoid else ""))
    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
    def write(self, text):
        print("> " + text, flush=True)
        os.write(self.fd, text.encode() + b"\r")
    def readline(self, deadline):
        while True:
            while b"\r\n" in self.buf or b"\n" in self.buf or b"\r" in self.buf:
                m = re.search(rb"\r\n|\n|\r", self.buf)
                line, self.buf = self.buf[:m.start()], self.buf[m.end():]
                if line.strip():
                    text = line.decode("utf-8", "backslashreplace")
                    print("< " + text, flush=True)
                    return text
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    time.sleep(0.02)
                    continue
                self.buf += data

def fail(message):
    print("atclient: " + message, file=sys.stderr, flush=True)
    sys.exit(3)

def main(steps):
    timeout = 20.0
    port = Port()
    port.open(timeout)
    for step in steps:
        kind, _, arg = step.partition(":")
        if kind == "timeout":
            timeout = float(arg)
        elif kind == "cmd":
            port.write(arg)
            deadline = time.time() + timeout
            while True:
                line = port.readline(deadline)
                if line is None:
                    fail("no final result for " + arg)
                if line == "OK" or line == "ERROR" or line.startswith("+CME ERROR"):
                    break
        elif kind == "until":
            # repeat a query (every 0.2 s) until a response line matches: "until:AT+CGATT? ~ ^\+CGATT: 1$"
            command, _, pattern = arg.partition(" ~ ")
            deadline = time.time() + timeout
            matched = False
            while not matched:
                if time.time() > deadline:
                    fail("no response to " + command + " matched /" + pattern + "/")
                port.write(command)
                while True:
                    line = port.readline(deadline)
                    if line is None:
                        break
                    if re.search(pattern, line):
                        matched = True
                    if line == "OK" or line == "ERROR" or line.startswith("+CME ERROR"):
                        break
                if not matched:
                    time.sleep(0.2)
        elif kind == "sync":
            # the port may have missed the boot URCs: poke it until it answers
            deadline = time.time() + timeout
            done = False
            while not done:
                if time.time() > deadline:
                    fail("the module never answered AT")
                port.write("AT")
                poke = min(deadline, time.time() + 0.2)
                while True:
                    line = port.readline(poke)
                    if line is None:
                        break
                    if line == "OK":
                        done = True
                        break
        elif kind == "send":
            port.write(arg)
        elif kind == "expect":
            deadline = time.time() + timeout
            while True:
                line = port.readline(deadline)
                if line is None:
                    fail("timeout waiting for /" + arg + "/")
                if re.search(arg, line):
                    break
        elif kind == "reopen":
            old = port.path
            port.close()
            port.open(timeout, avoid=old)
        elif kind == "gone":
            deadline = time.time() + timeout
            while os.path.exists(port.path):
                if time.time() > deadline:
                    fail(port.path + " still exists")
                time.sleep(0.02)
            print("@ gone " + port.path, flush=True)
        elif kind == "raw":
            deadline = time.time() + float(arg)
            data = port.buf
            port.buf = b""
            while time.time() < deadline:
                r, _, _ = select.select([port.fd], [], [], max(0, deadline - time.time()))
                if r:
                    try:
                        data += os.read(port.fd, 4096)
                    except OSError:
                        time.sleep(0.02)
            print("= " + data.hex(), flush=True)
        elif kind == "ctl":
            env = dict(os.environ)
            env.pop("LD_PRELOAD", None)
            env.pop("UMOCKDEV_DIR", None)
            import subprocess
            r = subprocess.run([os.environ["BG95SIM_BIN"], "ctl"] + arg.split(" "), env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
            print("! " + r.stdout.decode().strip(), flush=True)
            if r.returncode != 0:
                fail("ctl " + arg + " failed")
        elif kind == "silent":
            # no line matching the regex may arrive within the timeout
            deadline = time.time() + timeout
            while True:
                line = port.readline(deadline)
                if line is None:
                    break
                if re.search(arg, line):
                    fail("unexpected line matching /" + arg + "/: " + line)
        elif kind == "noanswer":
            # the port must not answer this command within the timeout (a stalled module)
            port.write(arg)
            deadline = time.time() + timeout
            line = port.readline(deadline)
            if line is not None:
                fail("stalled port answered: " + line)
            print("@ no answer", flush=True)
        elif kind == "sleep":
            time.sleep(float(arg))
        else:
            fail("unknown step " + step)
    port.close()

main(sys.argv[1:])
"""#
}
