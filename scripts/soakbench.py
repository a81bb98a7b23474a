"""Shared black-box harness for `make soak` and `make bench`: bg95d on bg95sim.

Starts a simulated module (`bg95sim start`), runs bg95d against it in the simulator's host
namespace under umockdev (as scripts/demo.sh and the integration tests do), follows the
daemon's states with one long-lived `bg95ctl watch --json` per daemon life (every state change
is timestamped when it arrives, so waiting is awaiting an event, never sleeping), injects
faults with `bg95sim ctl`, and reads what the kernel and /proc say about the daemon.

Python 3 standard library only. Everything it creates (namespaces via bg95sim, processes,
its work folder) is torn down by `Session.close()`, which the entry points run from
`finally` and from SIGINT/SIGTERM handlers.
"""
import collections
import json
import os
import re
import signal
import subprocess
import threading
import time

TEST_HOST = "198.51.100.7"
BRINGUP_STATES = ["waiting-for-device", "configuring-module", "registering", "starting-data-call", "link-up", "dhcp",
                  "verifying"]


def now():
    return time.monotonic()


def run(argv, timeout=60, check=False, env=None):
    """Runs argv; returns (exit status, stdout, stderr). A timeout counts as status 124."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as timeout_error:
        partial = timeout_error.stdout or ""
        return 124, partial.decode(errors="replace") if isinstance(partial, bytes) else partial, "timeout"
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()} {done.stdout.strip()}")
    return done.returncode, done.stdout, done.stderr


def bin_dir(root, configuration="debug"):
    """The SwiftPM products folder (swift build --show-bin-path)."""
    args = ["swift", "build", "--show-bin-path"] + (["-c", configuration] if configuration != "debug" else [])
    return subprocess.run(args, cwd=root, capture_output=True, text=True, check=True).stdout.strip()


class Sim:
    """One `bg95sim start`ed module. `env` holds the KEY=value lines it printed."""

    def __init__(self, bins, prefix, profile, mode, speed, extra=()):
        self.bg95sim = os.path.join(bins, "bg95sim")
        self.prefix, self.profile, self.mode, self.speed = prefix, profile, mode, speed
        self.extra = list(extra)
        self.env = {}
        self.started = False
        self._verbs = {}

    def start(self):
        status, out, err = run([self.bg95sim, "start", "--prefix", self.prefix, "--profile", self.profile, "--mode",
                                self.mode, "--speed", str(self.speed)] + self.extra, timeout=180)
        self.started = True  # also on failure: stop cleans up half-started runs
        if status != 0:
            raise RuntimeError(f"bg95sim start failed ({status}): {err.strip()} {out.strip()}")
        for line in out.splitlines():
            if "=" in line:
                key, value = line.split("=", 1)
                self.env[key] = value
        return self

    @property
    def host_ns(self):
        return self.env.get("BG95SIM_NETNS_HOST", f"{self.prefix}-host")

    @property
    def ecm_if(self):
        return self.env.get("BG95SIM_ECM_IFNAME", "eth2")

    def ctl(self, *words, timeout=120):
        """`bg95sim ctl <words>`: (ok, reply). The simulator answers once the fault is in effect."""
        status, out, err = run([self.bg95sim, "ctl", "--prefix", self.prefix] + [str(w) for w in words], timeout=timeout)
        reply = (out.strip() or err.strip())
        return status == 0, reply

    def status(self):
        ok, reply = self.ctl("status", timeout=20)
        if not ok:
            return {}
        try:
            return json.loads(reply)
        except ValueError:
            return {}

    def has_verb(self, verb, probe_args=()):
        """Whether this bg95sim knows `verb` (probed once with arguments it must refuse)."""
        if verb not in self._verbs:
            _, reply = self.ctl(verb, *probe_args, timeout=20)
            self._verbs[verb] = "unknown verb" not in reply
        return self._verbs[verb]

    def stop(self):
        if self.started:
            run([self.bg95sim, "stop", "--prefix", self.prefix], timeout=60)
            self.started = False


class Watcher:
    """`bg95ctl watch --json --no-urcs` for one daemon life; every state event is kept with the
    monotonic time it arrived. Shared `timeline` list collects (time, state) across lives."""

    def __init__(self, bg95ctl, socket_path, timeline, lock):
        self.events = []
        self.closed = False
        self.timeline = timeline
        self.cond = threading.Condition(lock)
        self.process = subprocess.Popen([bg95ctl, "watch", "--socket", socket_path, "--json", "--no-urcs"],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                        text=True, bufsize=1, start_new_session=True)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.process.stdout:
            t = now()
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") != "state":
                continue
            with self.cond:
                self.events.append((t, event.get("state"), event.get("reason")))
                self.timeline.append((t, event.get("state")))
                self.cond.notify_all()
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    @property
    def state(self):
        with self.cond:
            return self.events[-1][1] if self.events else None

    def mark(self):
        with self.cond:
            return len(self.events)

    def wait(self, predicate, deadline, since=0):
        """The first event at index >= since whose state satisfies predicate: (time, state), or
        None when the deadline passed or the watch ended (daemon gone)."""
        with self.cond:
            index = since
            while True:
                while index < len(self.events):
                    t, state, _ = self.events[index]
                    index += 1
                    if predicate(state):
                        return t, state
                left = deadline - now()
                if left <= 0 or self.closed:
                    return None
                self.cond.wait(left)

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Daemon:
    """bg95d in the sim's host namespace under umockdev, with its own folder, config and log."""

    def __init__(self, bins, sim, folder, overrides=None, timeline=None, lock=None):
        self.bg95d = os.path.join(bins, "bg95d")
        self.bg95ctl = os.path.join(bins, "bg95ctl")
        self.sim = sim
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.socket = os.path.join(folder, "control.sock")
        self.log_path = os.path.join(folder, "bg95d.log")
        self.dns_file = os.path.join(folder, "resolv.conf")
        self.config = os.path.join(folder, "bg95d.conf")
        self.process = None
        self.watcher = None
        self.timeline = timeline if timeline is not None else []
        self.lock = lock or threading.Lock()
        self.log_bytes_before = 0
        keys = collections.OrderedDict([
            ("apn", "internet.test"), ("probe_target", TEST_HOST), ("probe_interval", "5s"),
            ("probe_timeout", "1500ms"), ("probe_attempts", "3"), ("link_timeout", "10s"), ("dhcp_timeout", "10s"),
            ("registration_timeout", "20s"), ("recovery_step_timeout", "40s"), ("device_timeout", "30s"),
            ("diagnosis_timeout", "20s"), ("bringup_timeout", "120s"), ("backoff_initial", "500ms"),
            ("backoff_max", "4s"), ("attempts_per_rung", "2"), ("dns_backend", "file"), ("dns_file", self.dns_file),
            ("control_socket", self.socket), ("state_dir", os.path.join(folder, "state")), ("log_level", "info"),
        ])
        for key, value in (overrides or {}).items():
            if value is None:
                keys.pop(key, None)  # the daemon's own default
            else:
                keys[key] = value
        with open(self.config, "w") as f:
            f.write("# bg95d configuration written by scripts/soakbench.py\n")
            for key, value in keys.items():
                f.write(f"{key} = {value}\n")

    @property
    def pid(self):
        return self.process.pid if self.process else None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=30):
        """Starts bg95d; returns once its control socket answers a watch (the watcher is then live)."""
        try:
            os.unlink(self.socket)
        except FileNotFoundError:
            pass
        log = open(self.log_path, "ab")
        env = self.sim.env
        argv = ["ip", "netns", "exec", self.sim.host_ns, "env",
                f"LD_PRELOAD={env.get('LD_PRELOAD', 'libumockdev-preload.so.0')}",
                f"UMOCKDEV_DIR={env.get('UMOCKDEV_DIR', '')}", self.bg95d, "run", "--config", self.config]
        # `ip netns exec` execs the command: the child's pid is bg95d's.
        self.process = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.started_at = now()
        deadline = now() + timeout
        # The socket file appears when the daemon listens; there is no event to await for a
        # file in another process short of inotify, so this one startup wait polls (20 ms).
        while not os.path.exists(self.socket):
            if self.process.poll() is not None:
                raise RuntimeError(f"bg95d exited ({self.process.returncode}) before listening:\n{self.tail()}")
            if now() > deadline:
                raise RuntimeError(f"bg95d did not open its control socket within {timeout} s:\n{self.tail()}")
            time.sleep(0.02)
        self.watcher = Watcher(self.bg95ctl, self.socket, self.timeline, self.lock)
        if self.watcher.wait(lambda s: True, now() + 10) is None:
            raise RuntimeError(f"bg95ctl watch got no current state:\n{self.tail()}")
        return self

    def wait_online(self, timeout, since=0):
        if self.watcher is None:
            return None
        return self.watcher.wait(lambda s: s == "online", now() + timeout, since)

    def signal(self, sig):
        if self.alive():
            os.kill(self.process.pid, sig)

    def wait_exit(self, timeout):
        """Exit status, or None if still running after timeout."""
        try:
            status = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if self.watcher:
            self.watcher.stop()
        with self.lock:
            self.timeline.append((now(), "dead"))
        return status

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            with self.lock:
                self.timeline.append((now(), "dead"))
        if self.watcher:
            self.watcher.stop()

    def ctl(self, *words, timeout=30):
        """`bg95ctl <subcommand> --socket S <rest>`: (status, stdout, stderr)."""
        return run([self.bg95ctl, words[0], "--socket", self.socket] + list(words[1:]), timeout=timeout)

    def status(self):
        status, out, _ = self.ctl("status", "--json", timeout=20)
        if status != 0:
            return None
        try:
            return json.loads(out)
        except ValueError:
            return None

    # /proc figures of the running daemon
    def proc_status(self):
        """Fields of /proc/<pid>/status in kB (VmRSS, RssAnon, RssFile, Threads...)."""
        fields = {}
        try:
            with open(f"/proc/{self.pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    parts = value.split()
                    if parts and parts[0].isdigit():
                        fields[key] = int(parts[0])
        except (FileNotFoundError, ProcessLookupError, TypeError):
            pass
        return fields

    def fd_count(self):
        try:
            return len(os.listdir(f"/proc/{self.pid}/fd"))
        except (FileNotFoundError, TypeError):
            return None

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return 0

    def tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except FileNotFoundError:
            return ""


LIFETIMES = re.compile(r"valid_lft \S+ preferred_lft \S+")
IFINDEX = re.compile(r"^\d+: ")  # `ip -o address` numbers lines by ifindex, which a re-plugged device changes


def network_lines(ns):
    """IPv4 routes of every table, rules and addresses in ns, lifetimes stripped."""
    lines = []
    for argv in (["ip", "-n", ns, "-4", "route", "show", "table", "all"], ["ip", "-n", ns, "-4", "rule", "show"],
                 ["ip", "-n", ns, "-4", "-o", "address", "show"]):
        _, out, _ = run(argv, timeout=20)
        lines += [IFINDEX.sub("", LIFETIMES.sub("", l)).strip() for l in out.splitlines() if l.strip()]
    return lines


def normalise(lines, address):
    """Replaces the leased address (which dnsmasq may change) so shapes compare."""
    if not address:
        return sorted(lines)
    return sorted(l.replace(address, "LEASE") for l in lines)


def dns_servers(path):
    try:
        with open(path) as f:
            return [l.split()[1] for l in f if l.startswith("nameserver") and len(l.split()) > 1]
    except FileNotFoundError:
        return None


def ping(ns, interface, timeout=2):
    status, _, _ = run(["ip", "netns", "exec", ns, "ping", "-n", "-q", "-c", "1", "-W", str(timeout), "-I", interface,
                        TEST_HOST], timeout=timeout + 5)
    return status == 0


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q * (len(ordered) - 1)))))
    return ordered[index]


def median(values):
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def online_seconds(timeline, start, end):
    """Seconds in [start, end] during which the last known state was `online`."""
    total = 0.0
    state, since = None, start
    for t, s in sorted(timeline):
        if t <= start:
            state = s
            continue
        if t >= end:
            break
        if state == "online":
            total += t - max(since, start)
        state, since = s, t
    if state == "online":
        total += end - max(since, start)
    return total


class Cleanup:
    """Runs registered teardown callables once: at normal exit and on SIGINT/SIGTERM."""

    def __init__(self):
        self.actions = []
        self.done = False
        signal.signal(signal.SIGINT, self._signal)
        signal.signal(signal.SIGTERM, self._signal)

    def add(self, action):
        self.actions.append(action)
        return action

    def remove(self, action):
        if action in self.actions:
            self.actions.remove(action)

    def run(self):
        while self.actions:
            action = self.actions.pop()
            try:
                action()
            except Exception as error:  # teardown goes on whatever one step says
                print(f"cleanup: {error}", flush=True)

    def _signal(self, signum, _frame):
        print(f"\ninterrupted (signal {signum}): tearing down", flush=True)
        self.run()
        os._exit(130)
