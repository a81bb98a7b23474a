#!/usr/bin/env python3
"""make bench (issue 13): time to online, detection/recovery, footprint, control latencies.

Run by scripts/bench.sh (which builds the release binaries and runs the DHCP benchmark too).
Everything is measured in this one run and printed as one table; ratios compare figures of
the same run only. Not a test: the numbers depend on the machine and its load.

1. Time to online on bg95sim at speed 1 (its realistic latencies), from modem mode and from
   ECM mode, both firmware profiles, RUNS paired runs: bg95d vs scripts/forum-connect.sh, each
   run on a freshly started simulator (bg95sim has no randomness, so every run of a pair
   meets the same module). Online = bg95d's `online` state event / the script's exit after its
   first answered ping. Mandated = the part the simulator itself imposes (see mandated()).
2. Detection and recovery (bg95d, ECM start mode, both profiles): fault -> first state change,
   and fault -> online again minus the simulator's mandated delays.
3. Footprint of bg95d online and idle, and of reference programs: busybox udhcpc holding a
   lease, ModemManager idle without a modem (own dbus, own network namespace).
4. AT round trip through bg95d's queue and control-socket `status` latency.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soakbench import Cleanup, Daemon, Sim, median, now, run  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Module-time constants of bg95sim that `ctl status` does not expose (Sources/Simulator:
# Simulator.reboot: USB gone 0.3 s after the reset; ModemEngine.powerOn: SIM ready 0.8 s and
# "APP RDY" 2.4 s after power-on, registration starts with SIM ready). The configurable
# latencies (registration, boot, data-call) come from `bg95sim ctl status`.
RESET_TO_UNPLUG = 0.3
POWERON_TO_SIM = 0.8
POWERON_TO_APPRDY = 2.4
# With `AT+QNETDEVCTL` (ModemEngine+Commands.qnetdevctl) the module answers `=1` after 0.2 s and
# only then starts the data call's latency; with `AT+CGACT=1` the answer itself takes the
# latency. Every client of that firmware pays it, so it is the module's time, not the host's.
QNETDEVCTL_ANSWER = 0.2
# A switch to ECM needs `AT+QCFGEXT="usbnet","ecm"` and `AT+CFUN=1,1`; bg95sim answers each after
# 0.1 s (+ 0.01 s before the final result, ModemEngine.reply), longer than a query because the
# module writes its configuration / resets. Every client that switches waits for both answers.
SWITCH_ANSWERS = 2 * 0.11


def reboot_gap(status_after):
    """The simulator's reset -> power-on time as it took it (`lastReboot` in `ctl status`: the
    boot latency plus building the new USB tree), in wall seconds; None if it did not say."""
    last = status_after.get("lastReboot") or {}
    if not last.get("startedNs") or not last.get("poweredOnNs"):
        return None
    return (last["poweredOnNs"] - last["startedNs"]) / 1e9


def registered_after(status_after, t0):
    """Wall seconds from `t0` (CLOCK_MONOTONIC) until the module first registered since its last
    power-on (`firstRegisteredNs` in `ctl status`); None if it did not say."""
    first = status_after.get("firstRegisteredNs")
    return None if not first else max(0.0, first / 1e9 - t0)


def power_on_to_registered(status_after):
    """Wall seconds from the last power-on to the first registration after it, as measured."""
    first, last = status_after.get("firstRegisteredNs"), status_after.get("lastReboot") or {}
    if not first or not last.get("poweredOnNs"):
        return None
    return (first - last["poweredOnNs"]) / 1e9


def mandated(latencies, speed, case, profile, status_after=None, t0=None):
    """Seconds the simulated module needs whatever the host does, from the moment of `case`.
    `status_after` (`ctl status` after the run) gives what the simulator measured: the reboot gap,
    when the module registered. Without it the configured latencies stand in (USB gone 0.3 s
    after the reset, boot latency, SIM ready 0.8 s after power-on, registration latency)."""
    reg, boot = latencies["registration"], latencies["boot"]
    call = latencies["data-call"] + (QNETDEVCTL_ANSWER if profile == "qnetdevctl" else 0.0)
    status_after = status_after or {}
    measured = reboot_gap(status_after)
    gap = measured * speed if measured is not None else RESET_TO_UNPLUG + boot
    until_registered = power_on_to_registered(status_after)
    registering = until_registered * speed if until_registered is not None else POWERON_TO_SIM + reg
    # From ECM mode the module registers on its own (started at SIM ready, before `bg95sim
    # start` returned): the part still to come when the client starts is measured from t0.
    left = registered_after(status_after, t0) if t0 is not None else None
    still_registering = left * speed if left is not None else max(0.0, POWERON_TO_SIM + reg - POWERON_TO_APPRDY)
    seconds = {
        "from-ecm": still_registering + call,
        # switch to ECM: the two answers, reset -> power-on, SIM ready and registration, data call.
        "from-modem": SWITCH_ANSWERS + gap + registering + call,
        "pdp-drop": call,
        "carrier": 0.0,
        # counted from `replug`'s answer (power-on done): SIM, registration, data call.
        "unplug": POWERON_TO_SIM + reg + call,
        "reboot": gap + registering + call,
    }[case]
    return seconds / speed


RECOVERY_CASES = ("pdp-drop", "carrier", "unplug", "reboot", "urc")
PROFILES = ("qnetdevctl", "autoconnect")


class Bench:
    def __init__(self, args):
        self.args = args
        self.cleanup = Cleanup()
        self.bins = args.bin_dir
        self.work = tempfile.mkdtemp(prefix="bg95-bench-online.")
        self.cleanup.add(lambda: shutil.rmtree(self.work, ignore_errors=True))
        self.rows = []
        self.serial = 0

    def prefix(self):
        self.serial += 1
        return f"bo{os.getpid() % 1000}{self.serial}"[:8]

    def sim(self, profile, mode, speed=1.0):
        sim = Sim(self.bins, self.prefix(), profile, mode, speed)
        self.cleanup.add(sim.stop)
        sim.start()
        return sim

    def drop_sim(self, sim):
        sim.stop()
        self.cleanup.remove(sim.stop)

    def daemon(self, sim, overrides=None, bins=None):
        folder = os.path.join(self.work, sim.prefix)
        daemon = Daemon(bins or self.bins, sim, folder, overrides=overrides)
        self.cleanup.add(daemon.kill)
        return daemon

    def drop_daemon(self, daemon):
        daemon.signal(signal.SIGTERM)
        if daemon.wait_exit(30) is None:
            daemon.kill()
        daemon.kill()
        self.cleanup.remove(daemon.kill)

    # --- 1. time to online -------------------------------------------------------------------
    # The simulated module starts with iotopmode "both" (eMTC + NB-IoT); bg95d's default
    # iot_mode = emtc would write it, which restarts the module's network search (~registration
    # time) on every fresh simulator, though a real module keeps it after the first boot. The
    # forum script leaves it alone too, so the comparison uses a module already configured.
    BENCH_CONFIG = {"iot_mode": "both"}

    def online_bg95d(self, sim):
        daemon = self.daemon(sim, overrides=self.BENCH_CONFIG)
        t0 = now()
        daemon.start()
        got = daemon.wait_online(300)
        # Where the time went: seconds from each state event to the next, up to online.
        events = [(t0, "starting")] + [(t, s) for t, s, _ in daemon.watcher.events]
        spent = {}
        for (t, state), (t_next, _) in zip(events, events[1:]):
            if got is not None and t >= got[0]:
                break
            spent[state] = spent.get(state, 0.0) + t_next - t
        self.phases.setdefault(self.current, []).append(spent)
        self.drop_daemon(daemon)
        return (None if got is None else got[0] - t0), t0

    def online_script(self, sim):
        netns_dir = f"/etc/netns/{sim.host_ns}"
        os.makedirs(netns_dir, exist_ok=True)
        # udhcpc's default script writes /etc/resolv.conf: `ip netns exec` binds this file over it.
        open(os.path.join(netns_dir, "resolv.conf"), "w").close()
        remove = self.cleanup.add(lambda: shutil.rmtree(netns_dir, ignore_errors=True))
        env = sim.env
        argv = ["ip", "netns", "exec", sim.host_ns, "env", f"LD_PRELOAD={env.get('LD_PRELOAD', '')}",
                f"UMOCKDEV_DIR={env.get('UMOCKDEV_DIR', '')}", "busybox", "sh",
                os.path.join(ROOT, "scripts", "forum-connect.sh"), "internet.test", sim.ecm_if, "198.51.100.7"]
        errors = open(os.path.join(self.work, f"forum-{sim.prefix}.log"), "w")
        t0 = now()
        # Its own process group but not a new session: a session leader without a controlling
        # terminal would acquire the AT tty on open (no O_NOCTTY in shell redirection) and die of
        # SIGHUP when the module re-enumerates; run from a login shell, as on a forum, it does not.
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL,
                                 process_group=0, text=True)
        kill = self.cleanup.add(lambda: os.killpg(child.pid, signal.SIGKILL) if child.poll() is None else None)
        try:
            out, _ = child.communicate(timeout=330)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            out, _ = child.communicate()
        elapsed = now() - t0
        errors.close()
        if child.returncode != 0 or "online" not in out:
            print(f"bench: forum-connect.sh failed ({child.returncode}):\n" + open(errors.name).read(), file=sys.stderr)
        self.cleanup.remove(kill)
        # udhcpc -q exits after the lease; nothing of the script keeps running.
        self.cleanup.remove(remove)
        remove()
        return (elapsed if child.returncode == 0 and "online" in out else None), t0

    def time_to_online(self):
        results = {}
        self.phases = {}
        for mode in ("modem", "ecm"):
            for profile in self.args.profiles:
                for run_index in range(self.args.runs):
                    order = ["bg95d", "script"] if run_index % 2 == 0 else ["script", "bg95d"]
                    for client in order:
                        sim = self.sim(profile, mode)
                        status = sim.status()
                        self.current = (mode, profile)
                        seconds, t0 = self.online_bg95d(sim) if client == "bg95d" else self.online_script(sim)
                        after = sim.status()
                        self.drop_sim(sim)
                        must = mandated(status["latencies"], status["speed"], f"from-{mode}", profile, after, t0)
                        results.setdefault((mode, profile, client), []).append((seconds, must))
                        shown = f"{seconds:.2f} s" if seconds is not None else "not online"
                        print(f"bench: online {mode}/{profile} run {run_index + 1} {client}: {shown} "
                              f"(mandated {must:.2f} s)", file=sys.stderr, flush=True)
        self.online = results

    # --- 2. detection and recovery -----------------------------------------------------------
    def recovery(self):
        results = {}
        for profile in self.args.profiles:
            sim = self.sim(profile, "ecm")
            daemon = self.daemon(sim, overrides=self.BENCH_CONFIG)
            daemon.start()
            if daemon.wait_online(300) is None:
                print(f"bench: {profile}: bg95d not online; skipping recovery", file=sys.stderr)
                self.drop_daemon(daemon)
                self.drop_sim(sim)
                continue
            cases = [c for c in self.args.cases if c != "urc"]
            # The spurious URC needs `ctl urc` and `ctl await-command` (bg95sim since issue 13).
            if "urc" in self.args.cases and sim.has_verb("await-command"):
                cases.append("urc")
            for _ in range(self.args.runs):
                for case in cases:
                    result = self.spurious_urc(sim, daemon) if case == "urc" else self.one_recovery(sim, daemon, case)
                    results.setdefault((profile, case), []).append(result)
            self.drop_daemon(daemon)
            self.drop_sim(sim)
        self.recoveries = results

    def one_recovery(self, sim, daemon, case):
        watcher = daemon.watcher
        mark = watcher.mark()
        status = sim.status()
        t0 = now()
        if case == "pdp-drop":
            sim.ctl("pdp-drop")
        elif case == "carrier":
            sim.ctl("carrier-off")
        elif case == "unplug":
            sim.ctl("unplug")
        elif case == "reboot":
            sim.ctl("reboot")
        changed = watcher.wait(lambda s: s != "online", now() + 30, mark)
        detect = changed[0] - t0 if changed else None
        restore_t = t0
        if case == "carrier":
            # From the request: bg95d sees the carrier before `ctl` has exited.
            restore_t = now()
            sim.ctl("carrier-on")
        elif case == "unplug":
            # From the answer: `replug` answers once the USB tree is back and the module powered,
            # which is where the mandated part (SIM, registration, data call) starts.
            sim.ctl("replug")
            restore_t = now()
        back = daemon.wait_online(300, since=mark if changed is None else mark + 1)
        must = mandated(status["latencies"], status["speed"], case, status["profile"],
                        sim.status() if case == "reboot" else None)
        over = back[0] - restore_t - must if back else None
        print(f"bench: {case} detect {detect} recover-overhead {over}", file=sys.stderr, flush=True)
        return detect, over, (back[0] - restore_t) if back else None, must

    def spurious_urc(self, sim, daemon):
        """A spurious `+CEREG: 0`: bg95d must confirm it with `AT+CEREG?` and stay online.
        Returns ("urc", ms from the URC to the confirming query reaching the module or None,
        whether bg95d stayed online). Nothing here waits for a timeout when bg95d is right."""
        watcher = daemon.watcher
        mark = watcher.mark()
        ok, reply = sim.ctl("urc", "+CEREG:", "0")
        fields = dict(w.split("=", 1) for w in reply.split() if "=" in w)
        if not ok or "command" not in fields:
            print(f"bench: urc: {reply}", file=sys.stderr, flush=True)
            return "urc", None, False
        # The simulator answers once bg95d's next AT+CEREG? after the URC has reached it.
        ok, seen = sim.ctl("await-command", fields["command"], "30", "AT+CEREG?", timeout=40)
        seen_fields = dict(w.split("=", 1) for w in seen.split() if "=" in w)
        confirm = (int(seen_fields["ns"]) - int(fields["ns"])) / 1e6 if ok and "ns" in seen_fields else None
        # A barrier, not a wait: bg95d's AT queue sends this only after the confirming query was
        # answered and handled, so any state change it caused has been emitted and the status
        # (same serial queue) shows it.
        daemon.ctl("at", "AT")
        status = daemon.status() or {}
        left = watcher.wait(lambda s: s != "online", now(), mark)
        kept = status.get("state") == "online" and left is None
        if not kept:
            # A wrong turn: get back online before the next case (the bad path may wait).
            daemon.wait_online(300, since=mark)
        print(f"bench: urc confirm {confirm} ms kept-online {kept} (state {status.get('state')})", file=sys.stderr,
              flush=True)
        return "urc", confirm, kept

    # --- 3. footprint ------------------------------------------------------------------------
    @staticmethod
    def sample(pid):
        """{tid: (ns on a CPU, timeslices)} of every thread of pid (schedstat's third field counts
        the times a thread was put on a CPU: one per wakeup of an idle thread)."""
        threads = {}
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    on_cpu_ns, _, slices = (int(x) for x in f.read().split()[:3])
                threads[tid] = (on_cpu_ns, slices)
            except (FileNotFoundError, ProcessLookupError):
                pass
        return threads

    @staticmethod
    def delta(before, after):
        """(ns, slices) spent in the window by threads alive at its end (a thread that ended
        inside the window is not counted: an undercount the table notes)."""
        on_cpu_ns = sum(a[0] - before.get(tid, (0, 0))[0] for tid, a in after.items())
        slices = sum(a[1] - before.get(tid, (0, 0))[1] for tid, a in after.items())
        return on_cpu_ns, slices

    def footprint_of(self, name, pids, window):
        """RSS figures at the end, wakeups/min and CPU s/h over `window` seconds (idle)."""
        before = [self.sample(p) for p in pids]
        t0 = now()
        time.sleep(window)  # the measurement window itself, not a synchronisation
        elapsed = now() - t0
        after = [self.sample(p) for p in pids]
        row = {"name": name, "rss": 0, "anon": 0, "file": 0, "threads": 0, "fds": 0}
        for pid in pids:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    key, _, value = line.partition(":")
                    if key == "VmRSS":
                        row["rss"] += int(value.split()[0])
                    elif key == "RssAnon":
                        row["anon"] += int(value.split()[0])
                    elif key == "RssFile":
                        row["file"] += int(value.split()[0])
            row["fds"] += len(os.listdir(f"/proc/{pid}/fd"))
        deltas = [self.delta(b, a) for b, a in zip(before, after)]
        row["threads"] = sum(len(a) for a in after)
        row["wakeups_min"] = sum(d[1] for d in deltas) * 60 / elapsed
        row["cpu_s_h"] = sum(d[0] for d in deltas) / 1e9 * 3600 / elapsed
        row["window"] = elapsed
        row["processes"] = len(pids)
        return row

    def footprint(self):
        rows = []
        stripped = os.path.join(self.work, "bg95d")
        shutil.copy(os.path.join(self.args.release_dir, "bg95d"), stripped)
        run(["strip", stripped], check=True)
        self.binary_size = os.path.getsize(stripped)
        self.binary_unstripped = os.path.getsize(os.path.join(self.args.release_dir, "bg95d"))
        sim = self.sim("qnetdevctl", "ecm")
        bins = os.path.join(self.work, "bins")
        os.makedirs(bins, exist_ok=True)
        shutil.copy(stripped, os.path.join(bins, "bg95d"))
        shutil.copy(os.path.join(self.bins, "bg95ctl"), os.path.join(bins, "bg95ctl"))
        # The daemon's own defaults for timers (probe interval etc.), only paths set.
        overrides = {k: None for k in ("probe_interval", "probe_timeout", "probe_attempts", "link_timeout",
                                       "dhcp_timeout", "registration_timeout", "recovery_step_timeout",
                                       "device_timeout", "diagnosis_timeout", "bringup_timeout", "backoff_initial",
                                       "backoff_max", "attempts_per_rung")}
        overrides.update(self.BENCH_CONFIG)
        daemon = self.daemon(sim, overrides=overrides, bins=bins)
        daemon.start()
        if daemon.wait_online(300) is None:
            print(f"bench: footprint: bg95d not online:\n{daemon.tail()}", file=sys.stderr)
        else:
            daemon.watcher.stop()  # the watch connection is not part of the idle daemon
            time.sleep(1)
            rows.append(self.footprint_of("bg95d online (release, static stdlib, stripped)", [daemon.pid],
                                          self.args.idle))
            self.control_latency(daemon)
        config = open(daemon.config).read()
        self.probe_interval = [l for l in config.splitlines() if l.startswith("probe_interval")] or ["default"]
        self.drop_daemon(daemon)
        rows.append(self.udhcpc_footprint(sim))
        self.drop_sim(sim)
        rows.append(self.modemmanager_footprint())
        self.footprints = [r for r in rows if r]

    def udhcpc_footprint(self, sim):
        script = os.path.join(self.work, "udhcpc.script")
        with open(script, "w") as f:
            f.write('#!/bin/sh\ncase "$1" in bound|renew) ip addr add "$ip/$subnet" dev "$interface" ;; esac\n')
        os.chmod(script, 0o755)
        lease = os.path.join(self.work, "udhcpc.bound")
        child = subprocess.Popen(["ip", "netns", "exec", sim.host_ns, "busybox", "udhcpc", "-f", "-i", sim.ecm_if,
                                  "-s", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True, text=True)
        self.cleanup.add(lambda: os.killpg(child.pid, signal.SIGKILL) if child.poll() is None else None)
        bound = threading.Event()

        def read():
            for line in child.stdout:
                if "lease of" in line and "obtained" in line:
                    bound.set()
        threading.Thread(target=read, daemon=True).start()
        row = None
        if bound.wait(30):
            time.sleep(1)
            row = self.footprint_of("busybox udhcpc holding a lease", [child.pid], self.args.idle)
        else:
            print("bench: udhcpc got no lease", file=sys.stderr)
        os.killpg(child.pid, signal.SIGTERM)
        child.wait()
        return row

    def modemmanager_footprint(self):
        mm = shutil.which("ModemManager") or "/usr/sbin/ModemManager"
        dbus = shutil.which("dbus-daemon")
        if not os.path.exists(mm) or not dbus:
            self.mm_note = "ModemManager or dbus-daemon not installed (apt-get install modemmanager)"
            return None
        ns = f"bomm{os.getpid() % 10000}"
        run(["ip", "netns", "add", ns], check=True)
        self.cleanup.add(lambda: run(["ip", "netns", "del", ns]))
        folder = os.path.join(self.work, "mm")
        os.makedirs(folder, exist_ok=True)
        bus = os.path.join(folder, "system_bus_socket")
        conf = os.path.join(folder, "system.conf")
        # The system bus policy (so ModemManager may own its name) on a private socket.
        with open(conf, "w") as f:
            f.write(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={bus}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow user="*"/><allow own="*"/><allow send_type="method_call"/>
    <allow send_destination="*"/><allow receive_sender="*"/></policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
</busconfig>
""")
        procs = []
        try:
            bus_proc = subprocess.Popen(["ip", "netns", "exec", ns, dbus, "--config-file", conf, "--nofork", "--nopidfile"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            procs.append(bus_proc)
            deadline = now() + 10
            while not os.path.exists(bus) and now() < deadline:
                time.sleep(0.05)  # dbus-daemon creates its socket; nothing to await but the file
            env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={bus}")
            mm_proc = subprocess.Popen(["ip", "netns", "exec", ns, mm, "--log-level=INFO"], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                       text=True)
            procs.append(mm_proc)
            ready = threading.Event()
            log = []

            def read():
                for line in mm_proc.stdout:
                    log.append(line)
                    if "ModemManager is shut down" in line:
                        break
            threading.Thread(target=read, daemon=True).start()
            # ModemManager scans for modems at start; give it the usual settle time, then measure.
            time.sleep(self.args.mm_settle)
            if mm_proc.poll() is not None:
                self.mm_note = "ModemManager exited: " + " ".join(log[-3:]).strip()
                return None
            self.mm_note = f"ModemManager {self.version([mm, '--version'])}, own dbus-daemon, network namespace {ns}"
            return self.footprint_of("ModemManager idle, no modem", [mm_proc.pid], self.args.idle)
        finally:
            for proc in reversed(procs):
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGTERM)
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        os.killpg(proc.pid, signal.SIGKILL)
                        proc.wait()

    @staticmethod
    def version(argv):
        _, out, _ = run(argv, timeout=10)
        return out.split("\n")[0].split()[-1] if out else "?"

    # --- 4. control latencies ----------------------------------------------------------------
    def control_latency(self, daemon):
        n = self.args.latency_samples
        figures = {}

        def timed(argv):
            t = now()
            status = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            return (now() - t) * 1000 if status == 0 else None
        figures["bg95ctl status (process)"] = [timed([daemon.bg95ctl, "status", "--socket", daemon.socket])
                                               for _ in range(n)]
        figures["bg95ctl at AT (process)"] = [timed([daemon.bg95ctl, "at", "--socket", daemon.socket, "AT"])
                                              for _ in range(n)]
        figures["bg95ctl --version (process only)"] = [timed([daemon.bg95ctl, "--version"]) for _ in range(n)]
        # The same requests over one open connection: the daemon's part without process start.
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(daemon.socket)
        reader = sock.makefile("rb")

        def request(i, body):
            t = now()
            sock.sendall((json.dumps(dict(v=1, id=i, **body)) + "\n").encode())
            while True:
                answer = json.loads(reader.readline())
                if answer.get("id") == i:
                    return (now() - t) * 1000 if answer.get("ok") else None
        figures["status request (open socket)"] = [request(i, {"cmd": "status"}) for i in range(1, n + 1)]
        figures["at AT request (open socket)"] = [request(1000 + i, {"cmd": "at", "command": "AT"})
                                                  for i in range(1, n + 1)]
        sock.close()
        self.latencies = figures

    # --- the table ---------------------------------------------------------------------------
    def print_table(self):
        out = []
        p = out.append
        parts = self.args.parts
        if "online" in parts:
            p("Time to online at speed 1 (seconds; median of %d paired runs, min-max)" % self.args.runs)
            p(f"{'start':6} {'profile':12} {'client':8} {'online':>17} {'mandated':>8} {'overhead':>17} "
              f"{'ratio bg95d/script':>18}")
            for mode in ("modem", "ecm"):
                for profile in self.args.profiles:
                    over = {}
                    for client in ("bg95d", "script"):
                        values = self.online.get((mode, profile, client), [])
                        ok = [s for s, _ in values if s is not None]
                        must = values[0][1] if values else 0
                        overs = [s - m for s, m in values if s is not None]
                        over[client] = median(overs)
                        rng = f"{min(ok):.2f}-{max(ok):.2f}" if ok else "-"
                        orng = f"{min(overs):.2f}-{max(overs):.2f}" if overs else "-"
                        failed = f" ({len(values) - len(ok)} failed)" if len(ok) < len(values) else ""
                        ratio = ""
                        if client == "script" and over.get("bg95d") is not None and over.get("script"):
                            ratio = f"{over['bg95d'] / over['script']:.2f}"
                        p(f"{mode:6} {profile:12} {client:8} {median(ok) or 0:6.2f} ({rng:>9}) {must:8.2f} "
                          f"{median(overs) or 0:6.2f} ({orng:>9}) {ratio:>18}{failed}")
            if getattr(self, "phases", None):
                p("")
                p("Where bg95d's time to online goes (seconds in each state, median over the runs; 'starting' = process")
                p("start to the first state the control socket reports)")
                order = ["starting", "waiting-for-device", "configuring-module", "registering", "starting-data-call",
                         "link-up", "dhcp", "verifying", "recovering", "degraded"]
                seen = [s for s in order if any(s in run for runs in self.phases.values() for run in runs)]
                p(f"{'start':6} {'profile':12} " + " ".join(f"{s[:12]:>12}" for s in seen))
                for (mode, profile), runs in self.phases.items():
                    p(f"{mode:6} {profile:12} " + " ".join(f"{median([r.get(s, 0.0) for r in runs]):12.2f}" for s in seen))
        if "recovery" in parts:
            p("")
            p("Detection and recovery, bg95d from ECM start mode (ms; median of %d)" % self.args.runs)
            p(f"{'profile':12} {'fault':9} {'-> state change':>15} {'-> online':>10} {'mandated':>9} {'overhead':>9}")
            for (profile, case), values in sorted(self.recoveries.items()):
                if case == "urc":
                    kept = sum(1 for v in values if v[2])
                    confirms = [v[1] for v in values if v[1] is not None]
                    rng = f" ({min(confirms):.0f}-{max(confirms):.0f})" if confirms else ""
                    confirmed = f"confirmed in {median(confirms):.0f} ms{rng}" if confirms else "never confirmed"
                    verdict = "kept online" if kept == len(values) else f"LEFT online in {len(values) - kept} of {len(values)}"
                    p(f"{profile:12} {case:9} spurious URC: {verdict}, {confirmed}")
                    continue
                det = [v[0] * 1000 for v in values if v[0] is not None]
                over = [v[1] * 1000 for v in values if v[1] is not None]
                back = [v[2] * 1000 for v in values if v[2] is not None]
                must = values[0][3] * 1000
                p(f"{profile:12} {case:9} {median(det) or 0:15.0f} {median(back) or 0:10.0f} {must:9.0f} "
                  f"{median(over) or 0:9.0f}")
            if self.recoveries and not any(c == "urc" for _, c in self.recoveries) and "urc" in self.args.cases:
                p("(spurious URC: not available, this bg95sim has no `ctl await-command` verb)")
            elif any(c == "urc" for _, c in self.recoveries):
                p("(urc: `+CEREG: 0` injected while online; confirmed = until bg95d's AT+CEREG? reached the module)")
        if "footprint" in parts:
            p("")
            p(f"Footprint, idle over {self.args.idle:.0f} s windows (kB; wakeups = scheduler timeslices of all threads)")
            p(f"bg95d release binary ({self.args.build_flags}): {self.binary_unstripped / 1e6:.1f} MB, stripped "
              f"{self.binary_size / 1e6:.1f} MB")
            p(f"{'program':48} {'RSS':>7} {'RssAnon':>7} {'RssFile':>7} {'thr':>4} {'fds':>4} {'wakeups/min':>11} "
              f"{'CPU s/h':>8}")
            for row in self.footprints:
                p(f"{row['name']:48} {row['rss']:7} {row['anon']:7} {row['file']:7} {row['threads']:4} {row['fds']:4} "
                  f"{row['wakeups_min']:11.1f} {row['cpu_s_h']:8.2f}")
            if getattr(self, "mm_note", None):
                p(f"({self.mm_note})")
            p(f"(bg95d with its default timers: {self.probe_interval[0]})")
        if "footprint" in parts:
            p("")
            p(f"Control latencies (ms; median of {self.args.latency_samples}, min-max)")
            for name, values in getattr(self, "latencies", {}).items():
                ok = [v for v in values if v is not None]
                rng = f"{min(ok):.2f}-{max(ok):.2f}" if ok else "-"
                p(f"{name:36} {median(ok) or 0:8.2f} ({rng})")
        print("\n".join(out), flush=True)

    def run(self):
        try:
            if "online" in self.args.parts:
                self.time_to_online()
            else:
                self.online = {}
            self.recoveries = {}
            if "recovery" in self.args.parts:
                self.recovery()
            self.footprints, self.binary_size, self.binary_unstripped, self.probe_interval = [], 0, 0, ["-"]
            if "footprint" in self.args.parts:
                self.footprint()
        finally:
            self.cleanup.run()
        self.print_table()
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin-dir", required=True, help="bg95d, bg95ctl, bg95sim to use")
    parser.add_argument("--release-dir", required=True, help="the release (--static-swift-stdlib) bg95d for footprint")
    parser.add_argument("--build-flags", default="--static-swift-stdlib", help="how the release binaries were built")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")))
    parser.add_argument("--idle", type=float, default=float(os.environ.get("BENCH_IDLE", "60")),
                        help="seconds of each idle footprint window")
    parser.add_argument("--mm-settle", type=float, default=10.0)
    parser.add_argument("--latency-samples", type=int, default=30)
    parser.add_argument("--cases", nargs="+", choices=RECOVERY_CASES,
                        default=(os.environ.get("BENCH_CASES") or " ".join(RECOVERY_CASES)).split(),
                        help="recovery cases to run (BENCH_CASES)")
    parser.add_argument("--profiles", nargs="+", choices=PROFILES,
                        default=(os.environ.get("BENCH_PROFILES") or " ".join(PROFILES)).split(),
                        help="firmware profiles for online and recovery (BENCH_PROFILES)")
    parser.add_argument("--parts", nargs="+", default=(os.environ.get("BENCH_PARTS") or "online recovery footprint").split())
    args = parser.parse_args()
    return Bench(args).run()


if __name__ == "__main__":
    sys.exit(main())
