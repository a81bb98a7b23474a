#!/usr/bin/env python3
"""make soak: bg95d against bg95sim under a seeded storm of faults (issue 12, item 5).

For every firmware profile x start mode (PROFILES, MODES) it starts a simulated module, runs
bg95d against it until online, then injects FAULTS faults in total (split evenly), drawn from a
random.Random seeded with SEED (printed; the same command with the same seed replays the same
fault sequence, holds and kill moments): every `bg95sim ctl` fault verb, spurious URCs and
deny/allow (when this bg95sim has the `urc` / `deny` verbs), several faults at once, and
SIGKILL + restart and SIGTERM + restart of bg95d at a random moment in a chosen daemon state.

After each fault it awaits bg95d's `online` state (a `bg95ctl watch` event, never a sleep) and a
ping of the test host through the ECM interface, within a bound per fault kind, then checks:
no duplicate or foreign routes/rules/addresses in the host namespace (compared with the shape at
the first `online`, the leased address normalised), the DNS file equals the lease's servers,
open fds and RssAnon within bounds of the first `online`, the daemon alive (no crash). After a
SIGTERM it checks that bg95d exited 0 and removed every route, rule, address and the DNS file.

Prints one line per fault and a table at the end; exits 1 if any fault failed a check or was not
recovered (each failure is printed with its seed, combination and index, and the daemon's log
tail is kept in the report folder).
"""
import argparse
import collections
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soakbench import (BRINGUP_STATES, Cleanup, Daemon, Sim, bin_dir, dns_servers, median, network_lines,  # noqa: E402
                       normalise, now, online_seconds, ping, run)

# Fault kinds. Bounds are real seconds from injection to online + a working ping. They cover
# the simulator's mandated delays at the soak's speed factor plus bg95d's timers in the soak
# configuration (probe every 5 s, 3 x 1.5 s, backoff 0.5-4 s, registration timeout 20 s).
BOUNDS = {
    "unplug": 45, "reboot": 45, "pdp-drop": 30, "detach": 90, "detach-attach": 60, "deregister": 90,
    "signal": 30, "sim-remove": 90, "stall": 60, "garbage": 30, "dhcp": 45, "carrier": 45, "lease-time": 30,
    "latency": 30, "speed": 30, "urc": 45, "deny": 90, "multi": 120, "sigkill": 60, "sigterm": 60,
}
BASE_KINDS = ["unplug", "reboot", "pdp-drop", "detach", "detach-attach", "deregister", "signal", "sim-remove", "stall",
              "garbage", "dhcp", "carrier", "lease-time", "latency", "speed", "multi", "sigkill", "sigterm"]
OPTIONAL_KINDS = {"urc": ("urc", ()), "deny": ("deny", ())}
MULTI_PARTS = ["unplug", "reboot", "pdp-drop", "detach-attach", "deregister", "sim-remove", "stall", "garbage", "dhcp",
               "carrier", "signal"]
SPURIOUS_URCS = ["+CEREG: 0", "+CEREG: 2", "+CEREG: 3", "+QIURC: \"pdpdeact\",1", "RDY", "+CGEV: NW DETACH",
                 "+CGEV: NW PDN DEACT 1", "+QNETDEVSTATUS: 0", "+CPIN: NOT READY", "APP RDY"]
KILL_STATES = BRINGUP_STATES + ["online", "degraded", "recovering"]
# The integration tests' configuration (scripts/soakbench.py) with the registration timeout
# scaled to the simulator's speed: registration takes 4 module seconds, 0.2 s at speed 20.
SOAK_CONFIG = {"registration_timeout": "8s"}
FD_SLACK = 8            # open fds above the first online's count
RSS_ANON_SLACK_KB = 4096  # RssAnon above the first online's
HARD_CAP_FACTOR = 2      # after bound x this, the fault counts as not recovered and is repaired


def plan(kind, rng, speed, kinds):
    """Everything random about one fault, drawn up front so a seed replays the same sequence."""
    p = {"kind": kind}
    if kind in ("unplug", "detach-attach", "sim-remove", "dhcp", "carrier", "deny"):
        p["hold"] = round(rng.uniform(0.2, 2.5), 2)
    if kind == "deregister" or kind == "deny":
        p["cause"] = rng.choice([12, 13, 15])
        p["hold"] = round(rng.uniform(0.2, 2.5), 2)
    if kind == "signal":
        p["rsrp"] = rng.randint(-135, -100)
        p["hold"] = round(rng.uniform(0.2, 3.0), 2)
    if kind == "stall":
        p["seconds"] = round(rng.uniform(0.3, 8.0), 2)
        p["off_after"] = round(rng.uniform(0.2, 2.0), 2) if rng.random() < 0.3 else None
    if kind == "garbage":
        p["times"] = rng.randint(1, 6)
    if kind == "lease-time":
        p["seconds"] = rng.choice([120, 300, 3600])
    if kind == "latency":
        p["phase"] = rng.choice(["registration", "boot", "data-call"])
        p["seconds"] = round({"registration": rng.uniform(1, 10), "boot": rng.uniform(1, 5),
                              "data-call": rng.uniform(0.3, 3)}[p["phase"]], 2)
    if kind == "speed":
        p["factor"] = round(speed * rng.choice([0.5, 1.0, 2.0]), 3)
    if kind == "urc":
        p["lines"] = rng.sample(SPURIOUS_URCS, rng.randint(1, 3))
    if kind == "multi":
        parts = [k for k in MULTI_PARTS if k in kinds or k in ("detach-attach",)]
        p["parts"] = [plan(k, rng, speed, kinds) for k in rng.sample(parts, rng.randint(2, 3))]
        p["stagger"] = [round(rng.uniform(0, 0.5), 2) for _ in p["parts"]]
    if kind in ("sigkill", "sigterm"):
        p["state"] = rng.choice(KILL_STATES)
        p["delay"] = round(rng.choice([0.0, rng.uniform(0, 0.05), rng.uniform(0, 0.5)]), 3)
    return p


def describe(p):
    keys = [k for k in p if k not in ("kind", "parts", "stagger")]
    text = p["kind"] + "".join(f" {k}={p[k]}" for k in keys)
    if "parts" in p:
        text += " [" + "; ".join(describe(q) for q in p["parts"]) + "]"
    return text


def covered(intervals, start, end):
    """Seconds of [start, end] inside the union of intervals (they may overlap: multi faults)."""
    total, reach = 0.0, start
    for a, b in sorted(intervals):
        a, b = max(a, reach), min(b, end)
        if b > a:
            total += b - a
            reach = b
    return total


class Combo:
    """One simulator + daemon life cycle for a profile x mode, with its baselines and records."""

    def __init__(self, soak, profile, mode, index):
        self.soak, self.profile, self.mode = soak, profile, mode
        self.prefix = f"sk{os.getpid() % 100000}{index}"[:8]
        self.timeline = []
        self.lock = threading.Lock()
        self.records = []
        self.down = []          # (start, end) while the harness held the simulated network down
        self.kill_states = collections.Counter()
        self.daemon = None
        self.sim = None
        self.lives = []         # (baseline fds, baseline RssAnon, last fds, last RssAnon) per daemon life
        self.max_fds = 0
        self.max_anon = 0
        self.baseline_pending = False
        self.baseline_shape = None
        self.address = ""
        self.log_bytes = 0

    # --- setup -------------------------------------------------------------------------------
    def start_sim(self):
        self.sim = Sim(self.soak.bins, self.prefix, self.profile, self.mode, self.soak.args.speed)
        self.soak.cleanup.add(self.sim.stop)
        self.sim.start()
        self.folder = tempfile.mkdtemp(prefix=f"bg95-soak-{self.prefix}.")
        self.soak.cleanup.add(lambda folder=self.folder: shutil.rmtree(folder, ignore_errors=True))

    def start_daemon(self):
        self.daemon = Daemon(self.soak.bins, self.sim, self.folder, overrides=SOAK_CONFIG, timeline=self.timeline,
                             lock=self.lock)
        self.soak.cleanup.add(self.daemon.kill)
        self.daemon.start()

    def restart_daemon(self):
        """A new daemon life (after a kill or exit); its fds/RSS get a fresh baseline at online."""
        old = self.daemon
        old.kill()
        self.soak.cleanup.remove(old.kill)
        self.start_daemon()
        self.baseline_pending = True

    def take_baseline(self):
        status = self.daemon.status() or {}
        self.address = (status.get("address") or "").split("/")[0]
        fds = self.daemon.fd_count() or 0
        anon = self.daemon.proc_status().get("RssAnon", 0)
        self.lives.append([fds, anon, fds, anon])
        self.baseline_pending = False

    # --- one fault ---------------------------------------------------------------------------
    def inject(self, p, record):
        """Carries out the fault (hold and restore included); returns when it is over."""
        kind, sim = p["kind"], self.sim

        def ctl(*words):
            ok, reply = sim.ctl(*words)
            record["replies"].append(f"{' '.join(map(str, words))} -> {reply}")
            return ok

        def outage(start, restore):
            t = now()
            restore()
            self.down.append((start, now()))
            return t

        t = now()
        if kind == "unplug":
            ctl("unplug"); time.sleep(p["hold"]); outage(t, lambda: ctl("replug"))
        elif kind == "reboot":
            ctl("reboot")
        elif kind == "pdp-drop":
            ctl("pdp-drop")
        elif kind == "detach":
            ctl("detach")
        elif kind == "detach-attach":
            ctl("detach"); time.sleep(p["hold"]); outage(t, lambda: ctl("attach"))
        elif kind == "deregister":
            ctl("deregister", p["cause"]); time.sleep(p["hold"]); outage(t, lambda: ctl("attach"))
        elif kind == "deny":
            ctl("deny", p["cause"]); time.sleep(p["hold"]); outage(t, lambda: ctl("allow"))
        elif kind == "signal":
            ctl("signal", p["rsrp"]); time.sleep(p["hold"]); ctl("signal", -95)
        elif kind == "sim-remove":
            ctl("sim-remove"); time.sleep(p["hold"]); outage(t, lambda: ctl("sim-insert"))
        elif kind == "stall":
            ctl("stall", p["seconds"])
            if p["off_after"] is not None:
                time.sleep(min(p["off_after"], p["seconds"])); ctl("stall-off")
        elif kind == "garbage":
            for _ in range(p["times"]):
                ctl("garbage")
        elif kind == "dhcp":
            ctl("dhcp-stop"); time.sleep(p["hold"]); ctl("dhcp-start")
        elif kind == "carrier":
            ctl("carrier-off"); time.sleep(p["hold"]); outage(t, lambda: ctl("carrier-on"))
        elif kind == "lease-time":
            ctl("lease-time", p["seconds"])
        elif kind == "latency":
            ctl("latency", p["phase"], p["seconds"])
        elif kind == "speed":
            ctl("speed", p["factor"])
        elif kind == "urc":
            for line in p["lines"]:
                ctl("urc", *line.split(" "))
        elif kind == "multi":
            threads = []
            for part, stagger in zip(p["parts"], p["stagger"]):
                threads.append(threading.Thread(target=self.inject, args=(part, record)))
                time.sleep(stagger)
                threads[-1].start()
            for thread in threads:
                thread.join()
        else:
            raise ValueError(kind)

    def kill_in_state(self, p, record):
        """Provokes the target state, kills (SIGKILL) or stops (SIGTERM) bg95d in it, restarts."""
        target, watcher, sim = p["state"], self.daemon.watcher, self.sim
        mark = watcher.mark()
        replug = False
        if target == "waiting-for-device":
            sim.ctl("unplug"); replug = True
        elif target in ("degraded", "recovering"):
            sim.ctl("pdp-drop")
        elif target != "online":
            sim.ctl("reboot")
        reached = target == "online" or watcher.wait(lambda s: s == target, now() + 10, mark) is not None
        if not reached:
            record["replies"].append("states seen: " + " ".join(s for _, s, _ in watcher.events[mark:]))
        time.sleep(p["delay"])  # the random moment inside the state (not a synchronisation)
        state = watcher.state if self.daemon.alive() else "dead"
        self.kill_states[(p["kind"], state)] += 1
        record["killed_in"] = state + ("" if reached else f" (wanted {target})")
        record["t_kill"] = now()
        if p["kind"] == "sigkill":
            self.daemon.kill()
        else:
            self.daemon.signal(signal.SIGTERM)
            status = self.daemon.wait_exit(30)
            if status is None:
                record["failures"].append("SIGTERM: still running after 30 s")
            elif status != 0:
                record["failures"].append(f"SIGTERM: exit status {status}")
            left = [l for l in network_lines(sim.host_ns) if "proto 149" in l or "lookup 1095" in l
                    or (self.address and self.address in l)]
            if left:
                record["failures"].append("SIGTERM left behind: " + " | ".join(left))
            if dns_servers(self.daemon.dns_file) is not None:
                record["failures"].append("SIGTERM left the DNS file behind")
        self.restart_daemon()
        if replug:
            sim.ctl("replug")

    def fault(self, index, p):
        soak = self.soak
        record = {"index": index, "kind": p["kind"], "plan": describe(p), "failures": [], "replies": [],
                  "left_online": False, "back": None, "recovered": False}
        watcher = self.daemon.watcher
        mark = watcher.mark()
        t0 = now()
        if p["kind"] in ("sigkill", "sigterm"):
            self.kill_in_state(p, record)
            watcher, mark = self.daemon.watcher, 0
            t0 = record["t_kill"]  # time back online counts from the kill
        else:
            self.inject(p, record)
        bound = BOUNDS[p["kind"]]
        back = self.await_online(watcher, mark, t0, bound * HARD_CAP_FACTOR, record)
        record["left_online"] = p["kind"] in ("sigkill", "sigterm") or \
            any(s != "online" for _, s, _ in self.daemon.watcher.events[mark:])
        if back is None:
            record["failures"].append(f"not online with a working ping within {bound * HARD_CAP_FACTOR} s"
                                      f" (state {watcher.state if self.daemon.alive() else 'dead'})")
            self.keep_log(record)
            self.repair(record)
        else:
            record["back"] = back - t0
            record["recovered"] = True
            if record["back"] > bound:
                record["failures"].append(f"online after {record['back']:.1f} s, bound {bound} s")
            if self.baseline_pending:
                self.take_baseline()
            self.check(record)
        if record["failures"]:
            self.keep_log(record)
        self.records.append(record)
        soak.report_fault(self, record)

    def await_online(self, watcher, mark, t0, cap, record):
        """Time at which bg95d reported online and a ping through the ECM interface worked, or None."""
        deadline = t0 + cap
        while now() < deadline:
            if not self.daemon.alive():
                record["failures"].append(f"bg95d died (exit {self.daemon.process.returncode})")
                self.keep_log(record)
                self.restart_daemon()
                watcher = self.daemon.watcher
                continue
            with watcher.cond:
                index = len(watcher.events)
                current = watcher.events[-1] if watcher.events else (0, None, None)
            if current[1] != "online":
                if watcher.wait(lambda s: s == "online", deadline, index) is None and watcher.closed:
                    continue  # the daemon went away: the loop restarts it
                continue
            if ping(self.sim.host_ns, self.sim.ecm_if, timeout=1):
                return max(current[0], t0)
            # bg95d says online but the path is dead: it must notice (probe) and recover.
            record["false_online"] = record.get("false_online", 0) + 1
            watcher.wait(lambda s: True, min(deadline, now() + 2), index)
        return None

    def check(self, record):
        d = self.daemon
        status = d.status() or {}
        address = (status.get("address") or "").split("/")[0]
        shape = normalise(network_lines(self.sim.host_ns), address)
        counts = collections.Counter(shape)
        duplicates = [l for l, n in counts.items() if n > 1]
        if duplicates:
            record["failures"].append("duplicate: " + " | ".join(duplicates))
        if self.baseline_shape is None:
            self.baseline_shape = shape
        else:
            extra = sorted((counts - collections.Counter(self.baseline_shape)).elements())
            missing = sorted((collections.Counter(self.baseline_shape) - counts).elements())
            if extra:
                record["failures"].append("foreign/extra: " + " | ".join(extra))
            if missing:
                record["failures"].append("missing: " + " | ".join(missing))
        servers = dns_servers(d.dns_file)
        if servers != status.get("dns"):
            record["failures"].append(f"DNS file {servers} but lease {status.get('dns')}")
        fds = d.fd_count() or 0
        anon = d.proc_status().get("RssAnon", 0)
        life = self.lives[-1]
        life[2], life[3] = fds, anon
        self.max_fds, self.max_anon = max(self.max_fds, fds), max(self.max_anon, anon)
        if fds > life[0] + FD_SLACK:
            record["failures"].append(f"fds {fds} > {life[0]} + {FD_SLACK}")
        if anon > life[1] + RSS_ANON_SLACK_KB:
            record["failures"].append(f"RssAnon {anon} kB > {life[1]} + {RSS_ANON_SLACK_KB} kB")

    def repair(self, record):
        """After a fault bg95d did not recover from: restart it; failing that, the simulator too."""
        record["repair"] = "daemon restart"
        self.restart_daemon()
        if self.daemon.wait_online(120) is not None:
            self.take_baseline()
            return
        record["repair"] = "simulator + daemon restart"
        self.daemon.kill()
        self.log_bytes += self.daemon.log_size()
        self.sim.stop()
        self.start_sim()
        self.start_daemon()
        if self.daemon.wait_online(180) is None:
            raise RuntimeError(f"{self.prefix}: not online even after restarting simulator and daemon:\n"
                               f"{self.daemon.tail()}")
        self.baseline_shape = None
        self.take_baseline()

    def keep_log(self, record):
        if record.get("log_kept"):
            return
        record["log_kept"] = True
        path = os.path.join(self.soak.report_dir, f"{self.profile}-{self.mode}-{record['index']:04d}-{record['kind']}.log")
        with open(path, "w") as f:
            f.write(f"seed {self.soak.args.seed} {self.profile}/{self.mode} fault #{record['index']}: {record['plan']}\n")
            f.write("\n".join(record["failures"] + record["replies"]) + "\n--- bg95d log tail ---\n")
            f.write(self.daemon.tail(120))
        record["log"] = path

    # --- the run -----------------------------------------------------------------------------
    def run(self, count, rng, kinds):
        self.start_sim()
        self.start_daemon()
        self.baseline_shape = None
        got = self.daemon.wait_online(180)
        if got is None:
            raise RuntimeError(f"{self.profile}/{self.mode}: bg95d not online at start:\n{self.daemon.tail()}")
        self.first_online = got[0]
        self.take_baseline()
        self.check({"failures": []})
        self.log_start = 0
        plans = [plan(rng.choice(kinds), rng, self.soak.args.speed, kinds) for _ in range(count)]
        for index, p in enumerate(plans):
            self.fault(index, p)
        self.end = now()
        self.daemon.signal(signal.SIGTERM)
        self.daemon.wait_exit(30)
        self.log_bytes += self.daemon.log_size()
        self.daemon.kill()
        self.sim.stop()


class Soak:
    def __init__(self, args):
        self.args = args
        self.cleanup = Cleanup()
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        self.bins = args.bin_dir or os.environ.get("BG95_BIN_DIR") or bin_dir(root)
        self.report_dir = args.report or tempfile.mkdtemp(prefix=f"bg95-soak-report-{args.seed}.")
        os.makedirs(self.report_dir, exist_ok=True)
        self.started = now()
        self.done = 0

    def report_fault(self, combo, r):
        self.done += 1
        mark = "FAIL" if r["failures"] else "ok  "
        back = f"{r['back']:6.2f} s" if r["back"] is not None else "   never"
        extra = f" killed in {r['killed_in']}" if "killed_in" in r else ""
        print(f"{mark} {combo.profile[:5]}/{combo.mode:5} #{r['index']:<4} {back}  {r['plan']}{extra}", flush=True)
        for failure in r["failures"]:
            print(f"     ! {failure}" + (f" (log {r.get('log')})" if r.get("log") else ""), flush=True)

    def run(self):
        args = self.args
        probe = Sim(self.bins, f"skp{os.getpid() % 10000}"[:8], "qnetdevctl", "ecm", args.speed)
        self.cleanup.add(probe.stop)
        probe.start()
        kinds = list(BASE_KINDS)
        self.unavailable = []
        for kind, (verb, probe_args) in OPTIONAL_KINDS.items():
            if probe.has_verb(verb, probe_args):
                kinds.append(kind)
            else:
                self.unavailable.append(kind)
        probe.stop()
        self.cleanup.remove(probe.stop)
        combos = [(p, m) for p in args.profiles for m in args.modes]
        print(f"soak: seed {args.seed}, {args.faults} faults over {len(combos)} combinations, speed {args.speed}, "
              f"binaries {self.bins}", flush=True)
        print(f"soak: replay with: make soak FAULTS={args.faults} SEED={args.seed} SPEED={args.speed} "
              f"PROFILES='{' '.join(args.profiles)}' MODES='{' '.join(args.modes)}'", flush=True)
        if self.unavailable:
            print(f"soak: not available in this bg95sim (no ctl verb): {', '.join(self.unavailable)}", flush=True)
        self.combos = []
        try:
            for i, (profile, mode) in enumerate(combos):
                count = args.faults // len(combos) + (1 if i < args.faults % len(combos) else 0)
                combo = Combo(self, profile, mode, i)
                self.combos.append(combo)
                combo.run(count, random.Random(f"{args.seed}/{profile}/{mode}"), kinds)
        finally:
            self.cleanup.run()
        return self.table()

    def table(self):
        records = [r for c in self.combos for r in c.records]
        kinds = sorted({r["kind"] for r in records}, key=lambda k: (BASE_KINDS + list(OPTIONAL_KINDS)).index(k))
        print()
        print(f"soak summary: seed {self.args.seed}, speed {self.args.speed}, {len(records)} faults, "
              f"{now() - self.started:.0f} s")
        print(f"{'fault':14} {'n':>4} {'recovered':>9} {'left online':>11} {'median s':>8} {'worst s':>8} {'bound':>5} "
              f"{'failed':>6}")
        for kind in kinds:
            rs = [r for r in records if r["kind"] == kind]
            backs = [r["back"] for r in rs if r["back"] is not None]
            print(f"{kind:14} {len(rs):4} {sum(r['recovered'] for r in rs):9} {sum(r['left_online'] for r in rs):11} "
                  f"{median(backs) or 0:8.2f} {max(backs) if backs else 0:8.2f} {BOUNDS[kind]:5} "
                  f"{sum(1 for r in rs if r['failures']):6}")
        backs = [r["back"] for r in records if r["back"] is not None]
        print(f"{'all':14} {len(records):4} {sum(r['recovered'] for r in records):9} "
              f"{sum(r['left_online'] for r in records):11} {median(backs) or 0:8.2f} {max(backs) if backs else 0:8.2f} "
              f"{'':5} {sum(1 for r in records if r['failures']):6}")
        if self.unavailable:
            print(f"{'(not available: ' + ', '.join(self.unavailable) + ')'}")
        print()
        print(f"{'combination':22} {'faults':>6} {'availability':>12} {'net up s':>8} {'online s':>8} {'lost s/fault':>12} {'fds':>11} "
              f"{'RssAnon kB':>17} {'lives':>5} {'log bytes':>9}")
        for c in self.combos:
            if not hasattr(c, "end"):
                continue
            up = (c.end - c.first_online) - covered(c.down, c.first_online, c.end)
            online = online_seconds(c.timeline, c.first_online, c.end)
            first, last = c.lives[0], c.lives[-1]
            fds = f"{first[0]}->{last[2]} (max {c.max_fds})"
            anon = f"{first[1]}->{last[3]} (max {c.max_anon})"
            print(f"{c.profile + '/' + c.mode:22} {len(c.records):6} {100 * min(1.0, online / up) if up > 0 else 0:11.2f}% "
                  f"{up:8.0f} {online:8.0f} {(up - online) / max(1, len(c.records)):12.2f} {fds:>11} {anon:>17} {len(c.lives):5} {c.log_bytes:9}")
        kills = collections.Counter()
        for c in self.combos:
            kills.update(c.kill_states)
        if kills:
            print()
            print("kill/stop moments by the daemon state they hit:")
            for (kind, state), n in sorted(kills.items()):
                print(f"  {kind:8} {state:22} {n}")
        failed = [r for r in records if r["failures"]]
        print()
        if failed:
            print(f"soak: {len(failed)} of {len(records)} faults FAILED (seed {self.args.seed}); logs in {self.report_dir}")
            return 1
        print(f"soak: all {len(records)} faults recovered and passed every check (seed {self.args.seed})")
        shutil.rmtree(self.report_dir, ignore_errors=True)
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", type=int, default=int(os.environ.get("FAULTS", "100")))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED") or random.SystemRandom().randrange(1, 10**6)))
    parser.add_argument("--speed", type=float, default=float(os.environ.get("SPEED", "20")))
    parser.add_argument("--profiles", nargs="+", default=(os.environ.get("PROFILES") or "qnetdevctl autoconnect").split())
    parser.add_argument("--modes", nargs="+", default=(os.environ.get("MODES") or "modem ecm").split())
    parser.add_argument("--bin-dir", help="folder with bg95d, bg95ctl, bg95sim (default: BG95_BIN_DIR or swift build)")
    parser.add_argument("--report", help="folder for failure logs (default: a new /tmp folder, removed when all pass)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("soak: needs root (network namespaces)", file=sys.stderr)
        return 2
    return Soak(args).run()


if __name__ == "__main__":
    sys.exit(main())
