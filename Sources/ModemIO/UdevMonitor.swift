import CUdev
import Dispatch
import BG95System
#if canImport(Glibc)
import Glibc
#endif

/// Discovers the BG95 through libudev and follows it across unplug, reboot and re-enumeration.
///
/// Order matters (test-rig.md): `start()` arms the netlink monitor on the queue first and only
/// then enumerates, so a module plugged in between the two is not lost. The monitor is drained
/// completely each time its fd is readable (a burst must not back up: umockdev's sender aborts,
/// the kernel drops with ENOBUFS), and one rescan then reconciles everything the burst changed.
///
/// With several matching modules the configured USB path or serial picks one; without
/// configuration the first by sysfs path is used and the choice is logged. A configured module
/// that is absent is waited for; others are ignored (and said so).
///
/// All methods must be called on `queue`; events and log lines are delivered on it.
public final class UdevMonitor: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// Pick the module whose USB bus path (`1-1`) or sysfs path equals this.
        public var usbPath: String?
        /// Pick the module with this USB serial number.
        public var serial: String?
        /// How long a module may lack the tty of interface 2 before "serial driver not bound" is reported.
        public var serialDriverGrace: Duration

        public init(usbPath: String? = nil, serial: String? = nil, serialDriverGrace: Duration = .seconds(5)) {
            self.usbPath = usbPath
            self.serial = serial
            self.serialDriverGrace = serialDriverGrace
        }
    }

    public let queue: DispatchQueue
    public let configuration: Configuration
    private let log: (String) -> Void
    private let onEvent: (DiscoveryEvent) -> Void

    private var udev: OpaquePointer?
    private var monitor: OpaquePointer?
    private var source: DispatchSourceRead?
    /// The module reported with `modemAppeared` and not yet `modemVanished`.
    public private(set) var current: ModemDevice?
    /// Syspaths a "remove" uevent named; ignored by scans until an "add" at or below them.
    private var removed: Set<String> = []
    /// Modules seen without their AT tty (a grace timer runs for each until it is reported).
    private var unbound: Set<String> = []
    private var reportedUnbound: Set<String> = []
    private let graceTimers: OneShotTimers<String>
    private var lastChoiceNote = ""

    public init(
        queue: DispatchQueue, configuration: Configuration = Configuration(),
        log: @escaping (String) -> Void, onEvent: @escaping (DiscoveryEvent) -> Void
    ) {
        self.queue = queue
        self.configuration = configuration
        self.log = log
        self.graceTimers = OneShotTimers(queue: queue)
        self.onEvent = onEvent
    }

    deinit {
        release()
    }

    /// Arms the monitor, enumerates, reports the current module (if any) and then `.ready`.
    ///
    /// Throws when libudev cannot be used at all (no netlink socket, no sysfs).
    public func start() throws(ModemIOError) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard udev == nil else { return }
        guard let udev = udev_new() else { throw .udev("udev_new failed") }
        self.udev = udev
        let eventSource = Self.eventSource()
        guard let monitor = udev_monitor_new_from_netlink(udev, eventSource) else {
            throw .udev("udev_monitor_new_from_netlink(\(eventSource)) failed: \(SystemError.current("udev_monitor_new_from_netlink"))")
        }
        if eventSource == "kernel" {
            log("udev: no udev daemon (/run/udev/control missing); listening to kernel uevents")
        }
        self.monitor = monitor
        for subsystem in ["usb", "tty", "net"] {
            udev_monitor_filter_add_match_subsystem_devtype(monitor, subsystem, nil)
        }
        // A larger buffer absorbs bursts while the queue is busy; refused without privileges or
        // under umockdev, where draining promptly is what counts.
        _ = udev_monitor_set_receive_buffer_size(monitor, 4 * 1024 * 1024)
        guard udev_monitor_enable_receiving(monitor) >= 0 else {
            throw .udev("udev_monitor_enable_receiving failed: \(SystemError.current("udev_monitor_enable_receiving"))")
        }
        let fd = udev_monitor_get_fd(monitor)
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in self?.drain() }
        source.resume()
        self.source = source
        log("udev: monitor armed (\(eventSource) events: usb, tty, net); enumerating")
        rescan()
        onEvent(.ready)
    }

    /// "udev" (events after udevd processed them) when a udev daemon runs or umockdev fakes
    /// one; "kernel" otherwise (busybox mdev systems, minimal containers), where the raw kernel
    /// uevents are all there is. Discovery reads sysfs itself, so both carry what it needs.
    static func eventSource() -> String {
        if let fake = getenv("UMOCKDEV_DIR"), fake.pointee != 0 { return "udev" }
        return access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel"
    }

    /// Stops watching. No events are delivered afterwards.
    public func stop() {
        dispatchPrecondition(condition: .onQueue(queue))
        release()
        current = nil
        graceTimers.cancelAll()
    }

    /// Cancels the read source and frees libudev's objects once Dispatch stopped watching the
    /// monitor's fd (unref closes it; a watched, closed and reused fd would confuse epoll).
    private func release() {
        let monitor = self.monitor.map(UnsafeSendable.init)
        let udev = self.udev.map(UnsafeSendable.init)
        self.monitor = nil
        self.udev = nil
        let free: @Sendable () -> Void = {
            if let monitor { udev_monitor_unref(monitor.value) }
            if let udev { udev_unref(udev.value) }
        }
        if let source {
            source.setCancelHandler(handler: free)
            source.cancel()
            self.source = nil
        } else {
            free()
        }
    }

    /// Reads every pending uevent (the source fires again while more are queued), then
    /// reconciles once.
    private func drain() {
        guard let monitor else { return }
        var count = 0
        while count < 1024, let raw = udev_monitor_receive_device(monitor) {
            count += 1
            let event = UdevDevice(adopting: raw)
            guard let syspath = event.syspath else { continue }
            let action = event.action ?? "change"
            switch action {
            case "remove":
                removed.insert(syspath)
            case "add":
                // An added device implies its ancestors exist again (a replug reuses 1-1).
                removed = removed.filter { !(syspath == $0 || syspath.hasPrefix($0 + "/")) }
            default:
                break
            }
        }
        // Always reconcile, also when nothing could be read: after a receive-buffer overrun
        // (ENOBUFS) the lost events are only recoverable from sysfs itself.
        rescan()
    }

    /// Re-reads sysfs and emits what changed for the selected module.
    public func rescan() {
        guard let udev else { return }
        let scanned = ModemScanner(udev: udev).scan(excluding: removed)
        reconcile(scanned)
        trackUnbound(scanned)
    }

    private func reconcile(_ scanned: [ScannedModem]) {
        if let current {
            let now = scanned.first { $0.syspath == current.syspath }?.device
            guard let now, now.atPortSyspath == current.atPortSyspath, now.atPort == current.atPort else {
                self.current = nil
                log("udev: module at usb \(current.usbPath) gone (\(current.atPort))")
                onEvent(.modemVanished(current))
                reconcile(scanned)
                return
            }
            if now.netInterface != current.netInterface {
                self.current = now
                if let old = current.netInterface {
                    log("udev: ECM interface \(old.name) gone")
                    onEvent(.netInterfaceVanished(now, old))
                }
                if let new = now.netInterface {
                    log("udev: ECM interface \(new) found under cdc_ether")
                    onEvent(.netInterfaceAppeared(now, new))
                }
            }
            return
        }
        let usable = scanned.compactMap(\.device)
        guard let chosen = choose(from: usable) else { return }
        current = chosen
        log("udev: found module \(chosen)")
        onEvent(.modemAppeared(chosen))
    }

    private func choose(from usable: [ModemDevice]) -> ModemDevice? {
        var note = ""
        defer {
            if !note.isEmpty, note != lastChoiceNote { log(note) }
            lastChoiceNote = note
        }
        if configuration.usbPath != nil || configuration.serial != nil {
            let match = usable.first { device in
                (configuration.usbPath.map { $0 == device.usbPath || $0 == device.syspath } ?? true)
                    && (configuration.serial.map { $0 == device.serial } ?? true)
            }
            if match == nil, !usable.isEmpty {
                note = "udev: configured module (usb-path \(configuration.usbPath ?? "any"), serial "
                    + "\(configuration.serial ?? "any")) not present; ignoring \(usable.map(\.usbPath).joined(separator: ", "))"
            }
            return match
        }
        guard let first = usable.first else { return nil }
        if usable.count > 1 {
            note = "udev: \(usable.count) modules found (\(usable.map(\.usbPath).joined(separator: ", "))); using the first, "
                + "usb \(first.usbPath); set usb-path or serial to choose"
        }
        return first
    }

    /// Reports "serial driver not bound" for a module that keeps lacking its AT tty.
    private func trackUnbound(_ scanned: [ScannedModem]) {
        let missing = Set(scanned.filter(\.serialDriverMissing).map(\.syspath))
        for syspath in unbound where !missing.contains(syspath) {
            unbound.remove(syspath)
            reportedUnbound.remove(syspath)
            graceTimers.cancel(syspath)
        }
        for module in scanned where module.serialDriverMissing && !unbound.contains(module.syspath) {
            unbound.insert(module.syspath)
            graceTimers.start(module.syspath, after: configuration.serialDriverGrace) { [weak self] syspath in
                self?.graceExpired(syspath: syspath)
            }
        }
    }

    private func graceExpired(syspath: String) {
        guard let udev, unbound.contains(syspath), !reportedUnbound.contains(syspath) else { return }
        let scanned = ModemScanner(udev: udev).scan(excluding: removed)
        guard let module = scanned.first(where: { $0.syspath == syspath }), module.serialDriverMissing else { return }
        reportedUnbound.insert(syspath)
        let problem = DiscoveryProblem.serialDriverNotBound(usbPath: module.usbPath, productID: module.productID)
        log("udev: \(problem)")
        onEvent(.problem(problem))
    }
}

/// Carries a libudev pointer into a Dispatch cancel handler (used on the monitor's queue only).
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
