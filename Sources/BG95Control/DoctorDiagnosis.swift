import BG95Core

/// Judges what `bg95ctl doctor` saw (`DoctorObservations`) step by step, from the USB device
/// to the end-to-end probe, and names the first real cause with its exact remedy.
///
/// Pure: no I/O, same observations, same report. The daemon's own state is part of the
/// judgement: while an operator holds the link down, or bg95d is already recovering, the data
/// path is expected to be down and the headline says so instead of blaming the APN.
public enum DoctorDiagnosis {
    /// Step ids and titles, in order.
    public enum Check: String, CaseIterable, Sendable {
        case daemon
        case usbDevice = "usb-device"
        case drivers
        case portHolder = "port-holder"
        case atPort = "at-port"
        case usbnet
        case sim
        case registration
        case dataCall = "data-call"
        case carrier
        case lease
        case routes
        case rpFilter = "rp-filter"
        case dns
        case probe

        public var title: String {
            switch self {
            case .daemon: return "bg95d"
            case .usbDevice: return "Module on USB (2c7c:0700/0203)"
            case .drivers: return "Drivers bound to the USB interfaces"
            case .portHolder: return "AT port free for bg95d"
            case .atPort: return "AT port answers"
            case .usbnet: return "USB network mode"
            case .sim: return "SIM"
            case .registration: return "Network registration"
            case .dataCall: return "Data call (PDP context)"
            case .carrier: return "ECM interface and carrier"
            case .lease: return "DHCP lease on the ECM interface"
            case .routes: return "Route to the probe target"
            case .rpFilter: return "Reverse-path filter"
            case .dns: return "DNS through the ECM interface"
            case .probe: return "End-to-end probe"
            }
        }
    }

    typealias Step = DoctorReport.Step

    /// States in which bg95d is working on the link by itself.
    static let busyStates: Set<String> = [
        "waiting-for-device", "configuring-module", "registering", "starting-data-call", "link-up", "dhcp",
        "verifying", "degraded", "recovering",
    ]

    public static func diagnose(_ o: DoctorObservations) -> DoctorReport {
        var steps: [Step] = []
        func add(_ check: Check, _ outcome: Step.Outcome, _ detail: String? = nil, fix: String? = nil) {
            steps.append(Step(id: check.rawValue, title: check.title, outcome: outcome, detail: detail, fix: fix))
        }
        let snapshot: StatusSnapshot? = if case .running(let s) = o.daemon { s } else { nil }

        // bg95d itself.
        switch o.daemon {
        case .notRunning:
            add(.daemon, .warning, "not running; doctor looked by itself", fix: "systemctl start bg95d")
        case .unreachable(let why):
            add(.daemon, .warning, "control socket did not answer: \(why)")
        case .running(let s):
            var detail = "\(s.state)" + (s.stateAge.map { " for \(StatusText.duration($0))" } ?? "")
            if let rung = s.recoveryRung { detail += ", recovering: \(rung)" }
            add(.daemon, s.state == "failed" ? .failed : s.state == "down" ? .warning : .ok, detail,
                fix: s.state == "failed" ? "fix what `last error` says (bg95ctl status), then bg95ctl up"
                    : s.state == "down" ? "bg95ctl up" : nil)
        }

        // USB device and drivers.
        guard let device = o.devices.first else {
            add(.usbDevice, .failed, "no 2c7c:0700 or 2c7c:0203 device in sysfs",
                fix: "plug the module in; check `lsusb`, the cable and the module's power")
            return finish(steps, o, snapshot)
        }
        add(.usbDevice, .ok, "2c7c:\(device.product) at \(device.name)" + (o.devices.count > 1 ? " (+\(o.devices.count - 1) more)" : ""))

        let bindings = device.interfaces.sorted { $0.number < $1.number }
            .map { "if\($0.number) \($0.driver ?? "none")" }.joined(separator: ", ")
        let serial = device.interfaces.filter { (0...2).contains($0.number) }
        let data = device.interface(3)
        if let qmi = data?.driver, qmi.hasPrefix("qmi_wwan") {
            add(.drivers, .failed, "interface 3 is bound to \(qmi): " + bindings,
                fix: "the BG95 has no usable QMI data path (quectel-CM fails with QMUXError 0x5e); "
                    + "bg95 uses CDC-ECM: let bg95d switch it (AT+QCFGEXT=\"usbnet\",\"ecm\" + "
                    + "AT+CFUN=1,1), and keep \(qmi) off: echo \"blacklist \(qmi)\" > "
                    + "/etc/modprobe.d/bg95.conf")
        } else if serial.isEmpty || serial.contains(where: { $0.driver == nil }) {
            add(.drivers, .failed, "serial interfaces without a driver: " + bindings,
                fix: "modprobe option; echo \"2c7c \(device.product) ff\" > "
                    + "/sys/bus/usb-serial/drivers/option1/new_id (kernels before 5.19); "
                    + "udev/70-bg95.rules does this at every plug")
        } else if device.interface(2)?.ttys.isEmpty ?? true {
            add(.drivers, .failed, "interface 2 (AT) has \(device.interface(2)?.driver ?? "no driver") but no tty: " + bindings,
                fix: "rebind: echo -n \(device.name):1.2 > /sys/bus/usb/drivers/option/unbind, then bind")
        } else {
            add(.drivers, .ok, bindings)
        }
        let atTTY = device.interface(2)?.ttys.first

        // Who holds the AT port.
        let others = o.portHolders.filter { !$0.isBG95d }
        if let atTTY {
            if let holder = others.first {
                let names = others.map { "\($0.command) (pid \($0.pid))" }.joined(separator: ", ")
                let fix = holder.command == "ModemManager"
                    ? "ModemManager probes the port: install udev/70-bg95.rules (sets ID_MM_DEVICE_IGNORE=1), "
                        + "then `udevadm control --reload && udevadm trigger`, or stop ModemManager"
                    : "stop \(holder.command) (pid \(holder.pid)): two programs on one AT port corrupt each other's answers"
                add(.portHolder, .failed, "/dev/\(atTTY) is held by \(names)", fix: fix)
            } else {
                let bg95d = o.portHolders.first { $0.isBG95d }
                add(.portHolder, .ok, "/dev/\(atTTY)" + (bg95d.map { ", used by bg95d (pid \($0.pid))" } ?? ", free"))
            }
        } else {
            add(.portHolder, .skipped, "no AT tty")
        }

        // The module's answers.
        let m = o.module
        if let m {
            if m.answered {
                add(.atPort, .ok, Text.join([m.model, m.firmware.map { "fw \($0)" }, "via \(m.via)"]))
            } else {
                let busy = snapshot.map { busyStates.contains($0.state) } ?? false
                add(.atPort, .failed, "no answer" + (m.failure.map { ": \($0)" } ?? "") + " (via \(m.via))",
                    fix: busy ? "the port is stalled; bg95d re-synchronises and reboots the module if it stays silent"
                        : "power-cycle the module; if it persists, check the firmware (AT+QGMR)")
            }
        } else {
            add(.atPort, .skipped, o.atNotAsked ?? "not asked")
        }
        let answers = (m?.answered ?? false) ? m : nil

        // usbnet mode.
        let usbnet = answers?.usbnet ?? snapshot?.module?.usbnet ?? (data?.driver == "cdc_ether" ? "ecm" : nil)
        let supported = answers?.usbnetSupported.map { " (firmware offers \($0.joined(separator: ", ")))" } ?? ""
        switch usbnet {
        case "ecm"?:
            add(.usbnet, .ok, "ecm" + supported)
        case let mode?:
            add(.usbnet, .warning, "\(mode)" + supported,
                fix: "bg95d switches to ECM by itself (AT+QCFGEXT=\"usbnet\",\"ecm\" + AT+CFUN=1,1); start it or `bg95ctl up`")
        case nil:
            add(.usbnet, .skipped, "unknown")
        }

        // SIM.
        let sim = answers?.sim ?? snapshot?.sim.map(simWord)
        switch sim {
        case "READY"?:
            add(.sim, .ok, "ready")
        case "SIM PIN"?:
            add(.sim, .failed, "PIN required", fix: "put the PIN in pin_file (bg95d.conf), then bg95ctl up")
        case "SIM PUK"?:
            add(.sim, .failed, "PUK required (PIN entered wrongly too often)",
                fix: "unblock with the PUK: bg95ctl at 'AT+CPIN=\"<puk>\",\"<new pin>\"', update pin_file")
        case "absent"?, "NOT INSERTED"?:
            add(.sim, .failed, "no SIM", fix: "insert a SIM (power off first on most boards), then bg95ctl up")
        case let other?:
            add(.sim, .failed, other, fix: "check the SIM; `bg95ctl status` shows the last error")
        case nil:
            add(.sim, .skipped, "unknown")
        }

        // Registration, with the cause in words.
        let stat = answers?.registrationStatus ?? snapshot?.registration.flatMap(registrationCode)
        let cause = answers?.rejectCause ?? snapshot?.registrationCause
        switch stat {
        case 1?, 5?:
            add(.registration, .ok, Text.join([stat == 1 ? "home" : "roaming", snapshot?.operator, snapshot?.rat]))
        case 3?:
            if let cause {
                let emm = EMMCause(cause)
                add(.registration, .failed, "denied, cause \(cause): \(emm.text)", fix: emm.remedy)
            } else {
                add(.registration, .failed, "denied (no cause reported)",
                    fix: "ask the operator whether this SIM may use LTE-M/NB-IoT here; check iot_mode and bands")
            }
        case 2?:
            add(.registration, .warning, "searching",
                fix: "wait; if it lasts minutes: antenna, coverage, iot_mode and bands")
        case 0?:
            add(.registration, .failed, "not registered and not searching",
                fix: "the radio is off or no RAT is allowed: check iot_mode / nwscanmode; `bg95ctl up`")
        case let other?:
            add(.registration, .warning, "status \(other)")
        case nil:
            add(.registration, .skipped, "unknown")
        }

        // Data path.
        let leased = o.link?.addresses.first ?? snapshot?.address
        let active = answers?.netDeviceConnected ?? answers?.contextActive ?? snapshot?.dataCall.map { $0.state == "active" }
        switch active {
        case true?:
            add(.dataCall, .ok, Text.join(["active", answers?.pdnAddress.map { "pdn \($0)" } ?? snapshot?.dataCall?.pdnAddress.map { "pdn \($0)" }]))
        case false?:
            if let leased {
                add(.dataCall, .failed, "no data call, yet \(o.link?.name ?? "the ECM interface") has \(leased)",
                    fix: "the lease comes from the module's own DHCP server and proves nothing about the "
                        + "network; the data call must be started (bg95d does: bg95ctl up)")
            } else {
                add(.dataCall, .failed, "no data call", fix: "bg95d starts it once registered: bg95ctl up")
            }
        case nil:
            add(.dataCall, .skipped, "unknown")
        }

        if let link = o.link {
            if !link.exists {
                add(.carrier, .failed, "\(link.name) does not exist in this network namespace",
                    fix: "the ECM net device is missing: check the drivers step and `ip link`")
            } else if !link.adminUp {
                add(.carrier, .failed, "\(link.name) is down (not brought up)",
                    fix: "bg95d brings it up once the data call runs (bg95ctl up)")
            } else if !link.carrier {
                add(.carrier, .failed, "\(link.name) is up but has no carrier",
                    fix: "the module dropped the ECM link: bg95d restarts the data call; if it persists, bg95ctl reset")
            } else {
                add(.carrier, .ok, "\(link.name) up, carrier")
            }
            if link.exists {
                if let address = link.addresses.first {
                    add(.lease, .ok, address + (snapshot?.leaseRemaining.map { ", \(StatusText.duration($0)) left" } ?? ""))
                } else {
                    add(.lease, .failed, "no IPv4 address on \(link.name)",
                        fix: "the module's DHCP server did not answer: bg95d retries; if it persists, bg95ctl reset")
                }
            } else {
                add(.lease, .skipped)
            }
        } else {
            add(.carrier, .skipped, "no ECM net device known")
            add(.lease, .skipped)
        }

        if let route = o.routeGet {
            let fits = o.routeUsesLink ?? false
            add(.routes, fits ? .ok : .failed, route,
                fix: fits ? nil : "bg95d installs a default route with its own metric and a policy table for its source address; "
                    + "without them the kernel ARPs for the target on the link (bg95ctl up)")
        } else {
            add(.routes, .skipped, o.link == nil ? nil : "no probe target known (--probe-target)")
        }

        if let rp = o.rpFilter, let name = o.link?.name {
            if rp == 1 {
                add(.rpFilter, .warning, "strict (1) on \(name)",
                    fix: "replies arriving on \(name) may be dropped when another interface has the better route: "
                        + "sysctl -w net.ipv4.conf.\(name).rp_filter=2")
            } else {
                add(.rpFilter, .ok, rp == 2 ? "loose (2)" : "off (0)")
            }
        } else {
            add(.rpFilter, .skipped)
        }

        if let answered = o.dnsAnswered, let server = o.dnsServers.first {
            add(.dns, answered ? .ok : .failed, "\(server) " + (answered ? "answered" : "did not answer"),
                fix: answered ? nil : "the module's DNS relay does not answer: check the data call; bg95d renews the lease")
        } else {
            add(.dns, .skipped, o.dnsServers.isEmpty ? "no resolver from a lease" : nil)
        }

        if let probe = o.probe {
            add(.probe, probe.ok ? .ok : .failed, "\(probe.target): \(probe.detail)",
                fix: probe.ok ? nil : "the data path through the module does not reach \(probe.target)")
        } else {
            add(.probe, .skipped, o.link?.addresses.isEmpty == false ? "no probe target known (--probe-target)" : "no address to probe from")
        }
        return finish(steps, o, snapshot)
    }

    /// Headline and remedy: the first real cause, weighed against what bg95d is doing.
    static func finish(_ steps: [Step], _ o: DoctorObservations, _ snapshot: StatusSnapshot?) -> DoctorReport {
        var steps = steps
        let hostAndModule: Set<String> = [
            Check.usbDevice, .drivers, .portHolder, .atPort, .sim, .registration,
        ].reduce(into: []) { $0.insert($1.rawValue) }
        let dataPath: Set<String> = [Check.dataCall, .carrier, .lease, .routes, .dns, .probe].reduce(into: []) { $0.insert($1.rawValue) }
        let failed = steps.filter { $0.outcome == .failed && $0.id != Check.daemon.rawValue }

        // A host or module problem is the real cause whatever bg95d does.
        if let first = failed.first(where: { hostAndModule.contains($0.id) }) {
            var remedy = first.fix
            if first.id == Check.atPort.rawValue, let s = snapshot, busyStates.contains(s.state) {
                remedy = "bg95d is already recovering (\(s.recoveryRung ?? s.state)); " + (first.fix ?? "")
            }
            return DoctorReport(steps: steps, headline: "\(first.title): \(first.detail ?? "failed")", remedy: remedy)
        }
        switch o.daemon {
        case .running(let s) where s.state == "down":
            // The operator asked for this: the data path is down on purpose.
            for index in steps.indices where dataPath.contains(steps[index].id) && steps[index].outcome == .failed {
                steps[index].outcome = .skipped
                steps[index].detail = "bg95d is down" + (steps[index].detail.map { " (\($0))" } ?? "")
                steps[index].fix = nil
            }
            return DoctorReport(steps: steps, headline: "bg95d is down: an operator took the link down (bg95ctl down)",
                                remedy: "bg95ctl up")
        case .running(let s) where s.state == "failed":
            return DoctorReport(steps: steps, headline: "bg95d stopped trying: \(s.lastError ?? "a hard error")",
                                remedy: "fix that, then bg95ctl up")
        case .running(let s) where busyStates.contains(s.state):
            if let first = failed.first {
                let doing = s.recoveryRung.map { "recovering: \($0)" } ?? s.state
                return DoctorReport(steps: steps, headline: "\(first.title): \(first.detail ?? "failed") (bg95d is on it: \(doing))",
                                    remedy: "wait: bg95d retries by itself and `bg95ctl watch` shows progress; if it never recovers: \(first.fix ?? "see bg95ctl status")")
            }
        case .notRunning where failed.contains(where: { dataPath.contains($0.id) }):
            return DoctorReport(steps: steps, headline: "bg95d is not running, so nothing starts the data call",
                                remedy: "systemctl start bg95d (or bg95d run)")
        default:
            break
        }
        if let first = failed.first {
            return DoctorReport(steps: steps, headline: "\(first.title): \(first.detail ?? "failed")", remedy: first.fix)
        }
        if let warning = steps.first(where: { $0.outcome == .warning }) {
            return DoctorReport(steps: steps, headline: "no failure; \(warning.title): \(warning.detail ?? "warning")", remedy: warning.fix)
        }
        return DoctorReport(steps: steps, headline: "no problem found", remedy: nil)
    }

    /// StatusSnapshot's SIM words back to the `+CPIN` values the checks use.
    static func simWord(_ sim: String) -> String {
        switch sim {
        case "ready": return "READY"
        case "pin-required": return "SIM PIN"
        case "puk-required": return "SIM PUK"
        case "absent": return "absent"
        default: return sim
        }
    }

    static func registrationCode(_ registration: String) -> Int? {
        switch registration {
        case "home": return 1
        case "roaming": return 5
        case "searching": return 2
        case "denied": return 3
        case "not-registered", "not-searching": return 0
        default: return nil
        }
    }

    enum Text {
        static func join(_ parts: [String?]) -> String { parts.compactMap { $0 }.joined(separator: ", ") }
    }
}
