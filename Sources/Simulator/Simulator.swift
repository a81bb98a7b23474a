import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One simulated BG95-M3 with everything around it: the umockdev testbed (fake sysfs + the AT
/// pty), the namespaces of the test rig with dnsmasq and nftables, the module firmware
/// (`ModemEngine`) and the fault-injection control socket.
///
/// All state lives on `queue`; call `start` and `shutdown` there. The process must run with
/// the umockdev preload (the `bg95sim` executable re-executes itself to ensure it).
public final class Simulator: @unchecked Sendable {
    public let options: SimulatorOptions
    public let queue = DispatchQueue(label: "bg95sim")
    public let runDirectory: String
    let clock: SimClock
    let topology: NetworkTopology
    let stateFile: String
    var testbed: Testbed?
    var engine: ModemEngine!
    var atChannel: ATChannel?
    var composition: USBComposition?
    var devices: [FakeDevice] = []
    var nextTTY = 0
    var plugged = false
    /// Which drivers the host binds (`host-world` verb; HostWorld.swift).
    var hostWorld: HostWorld = .normal
    var dhcpWanted = true
    var hardwareGeneration = 0
    /// When the last reset started and when the module was powered on again (CLOCK_MONOTONIC
    /// ns), for `ctl status`: the reboot gap as the simulator really took it (the boot latency
    /// plus the time it takes to build the new USB tree), which a benchmark counts as the
    /// module's time, not the host's.
    var lastReboot: RebootInstants?
    var bootWaiters: [() -> Void] = []
    var enumerationWaiters: [(Bool) -> Void] = []
    var control: ControlServer?
    /// The commands the module received, for `urc` and `await-command` (CommandJournal.swift).
    var commandJournal = CommandJournal()
    /// The answers owed to `await-command` requests still waiting, by waiter id (nil: timed out).
    var commandWaiters: [Int: (CommandJournal.Entry?) -> Void] = [:]
    var nextCommandWaiter = 0
    let children: ChildWatcher
    private var isShutDown = false
    /// Log sink (stderr by default); `--verbose` adds every AT line.
    public var log: (String) -> Void = { line in
        FileHandle.standardError.write(Data("bg95sim: \(line)\n".utf8))
    }

    public init(options: SimulatorOptions) throws {
        try options.validate()
        self.options = options
        runDirectory = RunFolder.path(prefix: options.prefix)
        clock = SimClock(queue: queue, speed: options.speed)
        topology = NetworkTopology(prefix: options.prefix, runDirectory: runDirectory, ecmName: options.ecmInterfaceName,
                                   leaseTime: options.leaseTime)
        stateFile = options.stateFile ?? runDirectory + "/state.json"
        children = ChildWatcher(queue: queue)
    }

    /// The root of the umockdev testbed (the `UMOCKDEV_DIR` of processes under test).
    public var testbedRoot: String { testbed?.rootDirectory ?? "" }

    /// The variables `bg95sim run`/`start`/`env` give to the command under test (CONTRACTS.md).
    public var environment: [String: String] {
        [
            "LD_PRELOAD": "libumockdev-preload.so.0",
            "UMOCKDEV_DIR": testbedRoot,
            "BG95SIM_PREFIX": options.prefix,
            "BG95SIM_CTL": RunFolder.controlSocket(prefix: options.prefix),
            "BG95SIM_TEST_HOST": NetworkTopology.testHost,
            "BG95SIM_TEST_NAME": NetworkTopology.testName,
            "BG95SIM_NETNS_HOST": topology.hostNS,
            "BG95SIM_NETNS_MODEM": topology.modemNS,
            "BG95SIM_NETNS_PDN": topology.pdnNS,
        ]
    }

    // MARK: Lifecycle

    /// Cleans up leftovers of this prefix, builds everything and powers the module on.
    /// `onBooted` runs on `queue` once the module printed `APP RDY` (or with the setup error).
    public func start(onBooted: @escaping (Error?) -> Void) {
        dispatchPrecondition(condition: .onQueue(queue))
        do {
            RunFolder.cleanupLeftovers(prefix: options.prefix)
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
            // umockdev makes its testbed under $TMPDIR; keep it inside the run folder.
            setenv("TMPDIR", runDirectory, 1)
            try topology.create()
            let testbed = try Testbed()
            self.testbed = testbed
            try testbed.add(USBComposition.staticDevices())
            engine = ModemEngine(
                clock: clock, profile: options.profile, offeredRAT: options.iot, registration: options.registration,
                simInserted: options.sim != .absent, state: loadState())
            engine.delegate = self
            control = try ControlServer(path: RunFolder.controlSocket(prefix: options.prefix), queue: queue) { [weak self] verb, args, respond in
                guard let self else { return respond("error simulator gone") }
                self.handleControl(verb, args, respond: respond)
            }
            bootWaiters.append { onBooted(nil) }
            try plugHardware()
            engine.powerOn()
            log("module powered on (\(options.profile.rawValue), usbnet \(engine.state.usbnet.rawValue), AT port \(atPort ?? "-"))")
        } catch {
            onBooted(error)
        }
    }

    /// Tears everything down: devices, namespaces (and every process in them), files.
    /// Idempotent; also safe after a failed `start`.
    public func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        hardwareGeneration += 1
        finishEnumerationWaiters(false)
        engine?.powerOff()
        control?.close()
        control = nil
        if plugged { unplugHardware() }
        topology.destroy()
        testbed = nil
        try? FileManager.default.removeItem(atPath: runDirectory)
    }

    /// Starts `argv` in the host namespace with `environment` added and stdin/stdout/stderr
    /// inherited; `onExit` runs on `queue` with its exit status (128+signal when killed).
    public func launch(_ argv: [String], onExit: @escaping (Int32) -> Void) throws -> Int32 {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let first = argv.first, !first.contains("=") else { throw SimulatorError.setup("no command to run") }
        // `ip netns exec` itself must not run under the preload (it remounts /sys); `env`
        // hands the preload to the command only.
        let assignments = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let full = ["ip", "netns", "exec", topology.hostNS, "/usr/bin/env"] + assignments + argv
        let pid = try ProcessRunner.spawn(full, environment: ProcessRunner.helperEnvironment(), stdout: 1, stderr: 2, inheritStdin: true)
        children.watch(pid, onExit: onExit)
        return pid
    }

    private func loadState() -> ModuleState {
        let pin: String? = if case .pin(let p) = options.sim { p } else { nil }
        do {
            if let state = try ModuleState.load(from: stateFile) { return state }
        } catch {
            log("state file \(stateFile) unreadable (\(error)); starting from factory defaults")
        }
        return ModuleState(usbnet: options.initialMode, urcport: options.initialURCPort, pin: pin)
    }

    // MARK: Hardware

    /// The AT port's device node name, e.g. `ttyUSB5`, while plugged.
    public var atPort: String? {
        plugged && hostWorld.hasSerialPorts ? composition?.ttyName(interface: USBComposition.atInterface) : nil
    }

    /// Adds the module's USB tree in the persisted usbnet mode (with the ECM veth and dnsmasq)
    /// and announces it.
    func plugHardware() throws {
        guard let testbed, !plugged else { return }
        let mode = engine.state.usbnet
        var net: USBComposition.NetDevice?
        if mode == .ecm {
            let mac = Self.mac(prefix: options.prefix)
            let index = try topology.plugECM(mac: mac)
            net = .init(name: options.ecmInterfaceName, ifindex: index, mac: mac)
            if dhcpWanted { try topology.startDHCP() }
        }
        let composition = USBComposition(mode: mode, firstTTY: nextTTY, devnum: 2 + engine.state.boots % 120,
                                         serial: "bg95sim0", net: net)
        nextTTY += composition.ttyInterfaces.count
        let devices = hostWorld.apply(to: composition.devices())
        try testbed.add(devices)
        if hostWorld.hasSerialPorts {
            let atNode = composition.ttyName(interface: USBComposition.atInterface)!
            let fd = testbed.ptyMaster(node: atNode)
            guard fd >= 0 else { throw SimulatorError.umockdev("no pty behind /dev/\(atNode)") }
            // Read before announcing: a host that opens the tty on the uevent must get answers.
            atChannel = ATChannel(fd: fd, queue: queue) { [weak self] bytes in self?.engine.receive(bytes) }
        }
        self.composition = composition
        self.devices = devices
        plugged = true
        testbed.announce(devices, action: "add")
        applyDataPath()
    }

    /// Removes the USB tree (remove uevents deepest first), the pty, the ECM veth and dnsmasq.
    func unplugHardware() {
        guard plugged else { return }
        atChannel?.stop()
        atChannel = nil
        testbed?.remove(devices)
        topology.stopDHCP()
        topology.unplugECM()
        try? topology.setForwarding(false)
        devices = []
        plugged = false
    }

    /// A module reset (`AT+CFUN=1,1` or the `reboot` verb): the USB device disappears, comes
    /// back after the boot delay in the (possibly new) composition, then the boot URCs follow.
    /// `enumerated` runs once the new tree is present (true), or with false when an unplug or
    /// the teardown came first, so a waiting `ctl reboot` always gets its answer.
    func reboot(enumerated: ((Bool) -> Void)? = nil) {
        if let enumerated { enumerationWaiters.append(enumerated) }
        lastReboot = RebootInstants(started: Self.monotonicNanoseconds(), poweredOn: nil)
        hardwareGeneration += 1
        let generation = hardwareGeneration
        engine.powerOff()
        clock.after(0.3) { [self] in
            guard generation == hardwareGeneration else { return }
            unplugHardware()
            clock.after(clock.latencies.boot) { [self] in
                guard generation == hardwareGeneration else { return }
                do {
                    try plugHardware()
                    engine.powerOn()
                    lastReboot?.poweredOn = Self.monotonicNanoseconds()
                    log("module re-enumerated: usbnet \(engine.state.usbnet.rawValue), AT port \(atPort ?? "-")")
                } catch {
                    log("re-enumeration failed: \(error)")
                }
                finishEnumerationWaiters(plugged)
            }
        }
    }

    func finishEnumerationWaiters(_ enumerated: Bool) {
        let waiters = enumerationWaiters
        enumerationWaiters = []
        waiters.forEach { $0(enumerated) }
    }

    /// Forwarding ECM -> PDN follows the simulated data call, and only exists in ECM mode.
    func applyDataPath() {
        let up = engine.dataPathUp && plugged && composition?.mode == .ecm
        do {
            try topology.setForwarding(up)
        } catch {
            log("forwarding: \(error)")
        }
    }

    static func mac(prefix: String) -> String {
        let hash = UeventSender.murmurHash2(prefix)
        let bytes = [0x02, 0x4b, Int(hash >> 24 & 0xff), Int(hash >> 16 & 0xff), Int(hash >> 8 & 0xff), Int(hash & 0xff)]
        return bytes.map { String(format2: $0) }.joined(separator: ":")
    }
}

extension Simulator: ModemEngineDelegate {
    func engineWrite(_ bytes: [UInt8]) {
        atChannel?.write(bytes)
    }

    func engineRequestsReboot() {
        reboot()
    }

    func engineDataPathChanged(_ up: Bool) {
        if options.verbose { log("data path \(up ? "up" : "down")") }
        applyDataPath()
    }

    func enginePing(_ address: String, timeoutSeconds: Int, completion: @escaping (Double?) -> Void) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return completion(nil) }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        let argv = ["ip", "netns", "exec", topology.modemNS, "ping", "-n", "-q", "-c", "1", "-W", String(timeoutSeconds), address]
        guard let pid = try? ProcessRunner.spawn(argv, environment: ProcessRunner.helperEnvironment(), stdout: fds[1]) else {
            close(fds[0]); close(fds[1])
            return completion(nil)
        }
        close(fds[1])
        let readFD = fds[0]
        children.watch(pid) { status in
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = read(readFD, &buffer, buffer.count)
            close(readFD)
            let output = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
            guard status == 0 else { return completion(nil) }
            // "rtt min/avg/max/mdev = 0.045/0.045/0.045/0.000 ms"
            let rtt = output.split(separator: "=").last?.split(separator: "/").first.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            completion(rtt ?? 1)
        }
    }

    func engineStateChanged() {
        do {
            try engine.state.save(to: stateFile)
        } catch {
            log("cannot save state to \(stateFile): \(error)")
        }
    }

    func engineBooted() {
        let waiters = bootWaiters
        bootWaiters = []
        waiters.forEach { $0() }
    }

    /// Verbose lines carry the CLOCK_MONOTONIC instant (seconds), so that a harness can lay the
    /// module's side of an exchange beside the host's (`make bench` timelines).
    func engineLog(_ line: String) {
        guard options.verbose else { return }
        let nanoseconds = Self.monotonicNanoseconds()
        let milliseconds = String(nanoseconds / 1_000_000 % 1000)
        log("[\(nanoseconds / 1_000_000_000).\(String(repeating: "0", count: 3 - milliseconds.count))\(milliseconds)] \(line)")
    }

    func engineReceivedCommand(_ line: String) {
        for (waiter, entry) in commandJournal.record(line, at: Self.monotonicNanoseconds()) {
            commandWaiters.removeValue(forKey: waiter.id)?(entry)
        }
    }

    /// CLOCK_MONOTONIC, the clock a harness reads too (Python's `time.monotonic`).
    static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}

/// See `Simulator.lastReboot`.
struct RebootInstants {
    let started: UInt64
    var poweredOn: UInt64?
}
