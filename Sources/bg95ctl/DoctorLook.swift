import BG95Control
import FoundationEssentials
import Glibc

/// The I/O half of `bg95ctl doctor`: looks at the host and the module now (sysfs, /proc, the
/// AT port, rtnetlink through `ip`, sysctls, a DNS query and a ping through the ECM
/// interface) and hands what it saw to the pure `DoctorDiagnosis`. Works without bg95d; when
/// bg95d runs, its status is one more observation and AT questions go through its queue.
enum DoctorLook {
    static let vendor = "2c7c"
    static let products: Set<String> = ["0700", "0203"]

    static func observe(socket: String, probeTarget: String?) -> DoctorObservations {
        // bg95d.
        var client: ControlClient?
        let daemon: DoctorObservations.Daemon
        do {
            let connection = try ControlClient(path: socket)
            let response = try connection.request(.status, timeout: 5)
            if case .success(.status(let snapshot)) = response.outcome {
                daemon = .running(snapshot)
                client = connection
            } else {
                daemon = .unreachable("status refused")
            }
        } catch .notRunning {
            daemon = .notRunning
        } catch {
            daemon = .unreachable(error.description)
        }
        let snapshot: StatusSnapshot? = if case .running(let s) = daemon { s } else { nil }

        var o = DoctorObservations(daemon: daemon, devices: usbDevices())
        guard let device = o.devices.first else { return o }

        // The AT port and who holds it.
        if let tty = device.interface(2)?.ttys.first {
            let path = "/dev/" + tty
            o.portHolders = holders(of: path)
            let others = o.portHolders.filter { !$0.isBG95d }
            if let client, o.portHolders.contains(where: \.isBG95d) || snapshot?.module?.atPort != nil {
                let answers = DoctorAT.viaDaemon(client)
                if answers.failure?.hasPrefix("refused: ") == true {
                    o.atNotAsked = "bg95d refused the AT questions (" + (answers.failure ?? "") + ")"
                } else {
                    o.module = answers
                }
            } else if let holder = others.first {
                o.atNotAsked = "not asked: \(path) is held by \(holder.command) (pid \(holder.pid))"
            } else if o.portHolders.contains(where: \.isBG95d) {
                o.atNotAsked = "not asked: bg95d holds \(path) but its control socket did not answer"
            } else {
                o.module = DoctorAT.direct(path: path)
            }
        } else {
            o.atNotAsked = "no AT tty"
        }

        // The ECM link, as the kernel of this network namespace sees it.
        let linkName = device.interface(3)?.nets.first ?? snapshot?.interface
        guard let linkName else { return o }
        o.link = link(linkName)
        o.rpFilter = [HostFiles.read("/proc/sys/net/ipv4/conf/all/rp_filter"),
                      HostFiles.read("/proc/sys/net/ipv4/conf/\(linkName)/rp_filter")]
            .compactMap { $0.flatMap { Int($0) } }.max()
        let source = o.link?.addresses.first.map { String($0.prefix { $0 != "/" }) }
        let target = probeTarget ?? snapshot?.lastProbe.flatMap { $0.method == "icmp" ? $0.target : nil }
        if let target, o.link?.exists == true {
            var argv = ["ip", "route", "get", target]
            if let source { argv += ["from", source] }
            argv += ["oif", linkName]
            let route = Subprocess.run(argv)
            let line = route.output.split(separator: "\n").first.map(String.init) ?? route.output
            // `ip route get` ends with "uid <n>" (the asking user): not part of the route.
            var words = line.split(separator: " ").map(String.init)
            if let uid = words.firstIndex(of: "uid") { words.removeSubrange(uid..<min(uid + 2, words.count)) }
            o.routeGet = words.joined(separator: " ")
            o.routeUsesLink = route.status == 0 && line.contains(" dev \(linkName)") && line.contains(" via ")
        }
        o.dnsServers = snapshot?.dns ?? []
        if let server = o.dnsServers.first, o.link?.addresses.isEmpty == false {
            o.dnsAnswered = DNSCheck.answers(server: server, device: linkName)
        }
        if let target, o.link?.addresses.isEmpty == false {
            let ping = Subprocess.run(["ping", "-n", "-c", "1", "-W", "2", "-I", linkName, target])
            let rtt = ping.output.split(separator: "\n").first { $0.contains("time=") }
                .flatMap { $0.split(separator: " ").first { $0.hasPrefix("time=") } }
                .map { String($0.dropFirst(5)) + " ms" }
            o.probe = .init(target: target, ok: ping.status == 0,
                            detail: ping.status == 0 ? "answered" + (rtt.map { " in \($0)" } ?? "") : "no answer through \(linkName)")
        }
        return o
    }

    /// Every 2c7c:0700/0203 device under /sys/bus/usb/devices with its interfaces.
    static func usbDevices() -> [DoctorObservations.USBDevice] {
        let root = "/sys/bus/usb/devices"
        var devices: [DoctorObservations.USBDevice] = []
        let names = HostFiles.list(root)
        for name in names where !name.contains(":") {
            guard HostFiles.read("\(root)/\(name)/idVendor")?.lowercased() == vendor,
                  let product = HostFiles.read("\(root)/\(name)/idProduct")?.lowercased(), products.contains(product)
            else { continue }
            var interfaces: [DoctorObservations.USBInterface] = []
            for entry in HostFiles.list("\(root)/\(name)") where entry.hasPrefix(name + ":") {
                let path = "\(root)/\(name)/\(entry)"
                guard let number = HostFiles.read(path + "/bInterfaceNumber").flatMap({ Int($0.filter { $0 != " " }, radix: 16) })
                else { continue }
                let children = HostFiles.list(path)
                var ttys = children.filter { $0.hasPrefix("ttyUSB") || $0.hasPrefix("ttyACM") }
                ttys += HostFiles.list(path + "/tty")
                interfaces.append(.init(
                    number: number, interfaceClass: HostFiles.read(path + "/bInterfaceClass"),
                    driver: HostFiles.linkName(path + "/driver"), ttys: Array(Set(ttys)).sorted(),
                    nets: HostFiles.list(path + "/net")))
            }
            devices.append(.init(name: name, vendor: vendor, product: product, interfaces: interfaces.sorted { $0.number < $1.number }))
        }
        return devices
    }

    /// Processes with `path` open: every /proc/<pid>/fd entry that is the same character
    /// device, or links to the same file once opened (a umockdev node reports its sysfs
    /// device number to stat, while other processes' fds show the pty behind it).
    static func holders(of path: String) -> [DoctorObservations.PortHolder] {
        let device = HostFiles.characterDevice(path)
        let opened = HostFiles.openedIdentity(path)
        guard device != nil || opened != nil else { return [] }
        let me = getpid()
        var found: [DoctorObservations.PortHolder] = []
        for entry in HostFiles.list("/proc") {
            guard let pid = Int32(entry), pid != me else { continue }
            let fds = HostFiles.list("/proc/\(pid)/fd")
            if fds.contains(where: {
                let fd = "/proc/\(pid)/fd/\($0)"
                if let opened, HostFiles.linkTarget(fd) == opened { return true }
                return device != nil && HostFiles.characterDevice(fd) == device
            }) {
                found.append(.init(pid: pid, command: HostFiles.read("/proc/\(pid)/comm") ?? "?"))
            }
        }
        return found
    }

    /// The link's flags and IPv4 addresses from `ip -j`.
    static func link(_ name: String) -> DoctorObservations.Link {
        let shown = Subprocess.run(["ip", "-j", "address", "show", "dev", name])
        guard shown.status == 0, case .array(let links)? = try? JSONDecoder().decode(JSONValue.self, from: Data(shown.output.utf8)),
              case .object(let link)? = links.first
        else { return .init(name: name, exists: false) }
        var flags: [String] = []
        if case .array(let values)? = link["flags"] {
            flags = values.compactMap { if case .string(let s) = $0 { s } else { nil } }
        }
        var addresses: [String] = []
        if case .array(let infos)? = link["addr_info"] {
            for case .object(let info) in infos {
                guard case .string("inet")? = info["family"], case .string(let local)? = info["local"],
                      case .number(let prefix)? = info["prefixlen"] else { continue }
                addresses.append("\(local)/\(Int(prefix))")
            }
        }
        return .init(name: name, exists: true, adminUp: flags.contains("UP"), carrier: flags.contains("LOWER_UP"), addresses: addresses)
    }
}
