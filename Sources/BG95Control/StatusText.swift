import BG95Core

/// Renders a `StatusSnapshot` as human text for `bg95ctl status`: one labelled block per topic,
/// at most `width` columns (80), values wrapped at field boundaries onto indented continuation
/// lines. Unknown values are left out rather than shown as placeholders; values the daemon
/// can no longer vouch for (it is down, the module is gone, the fact is old) carry a `[stale]`
/// mark with their age, so "network home" is never shown as current while unplugged.
public enum StatusText {
    public static let width = 80
    /// Labels take this many columns plus two spaces.
    static let labelWidth = 10
    /// A fact group older than this (seconds) is marked stale. Each health probe (default
    /// every 300 s) refreshes registration, operator, network and signal; a minute of slack
    /// covers the probe's own time.
    public static let staleAfter = 360

    /// What `status` exits with.
    public enum Health: Equatable, Sendable {
        case online, notOnline, failed
    }

    public static func health(_ s: StatusSnapshot) -> Health {
        switch s.state {
        case "online": return .online
        case "failed": return .failed
        default: return .notOnline
        }
    }

    /// States in which the daemon is not talking to a registered module: what it last knew
    /// about the network, the data call and the probe is history, not the present.
    static let notCurrentStates: Set<String> = ["down", "waiting-for-device", "failed", "stopping"]

    public static func render(_ s: StatusSnapshot) -> String {
        var blocks: [(label: String, parts: [String], separator: String)] = []
        func add(_ label: String, _ parts: [String]) { blocks.append((label, parts, "  ")) }
        func addText(_ label: String, _ text: String) {
            blocks.append((label, text.split(separator: " ").map(String.init), " "))
        }
        let history = notCurrentStates.contains(s.state)
        /// "[last known]" while the state makes every module fact history (down, unplugged,
        /// failed); "[stale 5m12s]" when the group is old; "" otherwise.
        func staleMark(_ group: String) -> String {
            if history { return s.factAges?[group].map { "[last known, \(duration($0)) ago]" } ?? "[last known]" }
            if let age = s.factAges?[group], age > staleAfter { return "[stale \(duration(age))]" }
            return ""
        }

        var state = [s.state.uppercased()]
        if let age = s.stateAge { state.append("for \(duration(age))") }
        if let rung = s.recoveryRung { state.append("recovering: \(rung)") }
        if s.state == "online", let uptime = s.uptime { state.append("(online \(duration(uptime)))") }
        add("bg95d", state)

        if let m = s.module {
            add("module", compact([
                m.model, m.firmware.map { "fw \($0)" }, m.imei.map { "IMEI \($0)" },
                m.iccidMasked.map { "ICCID \($0)" }, m.usbnet.map { "usbnet \($0)" }, m.atPort,
            ]))
        }
        if let sim = s.sim { add("sim", compact([sim, staleMark("sim")])) }
        var network = compact([
            s.operator.map { op in s.plmn.map { "\(op) (\($0))" } ?? op } ?? s.plmn,
            s.rat, s.band, s.tac.map { "TAC \($0)" }, s.cellID.map { "cell \($0)" },
            s.registration,
        ])
        if let cause = s.registrationCause {
            network.append("cause \(cause): \(s.registrationCauseText ?? EMMCause(cause).text)")
        }
        if !network.isEmpty { add("network", network + compact([staleMark("network")])) }
        if let signal = s.signal {
            let parts = compact([
                signal.rsrp.map { "RSRP \(number($0)) dBm" }, signal.rsrq.map { "RSRQ \(number($0)) dB" },
                signal.sinr.map { "SINR \(number($0)) dB" }, signal.rssi.map { "RSSI \(number($0)) dBm" },
                signal.verdict,
            ])
            if !parts.isEmpty { add("signal", parts + compact([staleMark("signal")])) }
        }
        if let call = s.dataCall {
            add("data call", compact([
                call.state, call.cid.map { "cid \($0)" }, call.apn.map { "apn \($0)" },
                call.pdnAddress.map { "pdn \($0)" }, staleMark("dataCall"),
            ]))
        }
        if let interface = s.interface {
            add(interface, compact([
                s.carrier.map { $0 ? "UP" : "NO-CARRIER" }, s.address, s.gateway.map { "gw \($0)" },
                s.dns.flatMap { $0.isEmpty ? nil : "dns " + $0.joined(separator: ",") },
                s.leaseRemaining.map { "lease \(duration($0))" },
            ]))
        }
        if let routes = s.routes, !routes.isEmpty {
            var lines = routes
            if s.state != "online" {
                lines.append("(installed by bg95d; path not proven while \(s.state))")
            }
            // Each route is its own line: wrapping keeps its words, so it stays `ip route` syntax.
            // `ip route` leaves out "table main"; so does status, to keep lines short.
            for (index, route) in lines.enumerated() {
                addText(index == 0 ? "routes" : "", route.replacingTable254())
            }
        }
        if let probe = s.lastProbe {
            var parts = compact([
                probe.ok ? "ok" : "FAILED", probe.method, probe.target, probe.rttMs.map { "\(number($0)) ms" },
                probe.age.map { "\(duration($0)) ago" },
            ])
            if s.state != "online" && probe.ok { parts.append("[last known]") }
            add("probe", parts)
            if let detail = probe.detail { addText("", detail) }
        }
        if let counters = s.counters {
            var parts: [String] = []
            if let rx = counters.rxBytes { parts.append("rx \(bytes(rx))") }
            if let tx = counters.txBytes { parts.append("tx \(bytes(tx))") }
            if counters.rxBytesTotal != nil || counters.txBytesTotal != nil {
                parts.append("since boot rx \(counters.rxBytesTotal.map(bytes) ?? "?") tx \(counters.txBytesTotal.map(bytes) ?? "?")")
            }
            if !parts.isEmpty { add("traffic", parts) }
            let rungs = StatusSnapshot.recoveryRungs + counters.recoveries.keys.sorted().filter { !StatusSnapshot.recoveryRungs.contains($0) }
            let recoveries = rungs.compactMap { rung in counters.recoveries[rung].flatMap { $0 > 0 ? "\(rung) \($0)" : nil } }
            add("recoveries", recoveries.isEmpty ? ["none"] : recoveries)
        }
        if let error = s.lastError {
            addText("last error", error)
        }
        return blocks.map { lines(label: $0.label, parts: $0.parts, separator: $0.separator) }.joined()
    }

    /// `label` padded to the label column, then `parts` joined by `separator` (two spaces
    /// between fields, one between words of text), wrapped so that no line exceeds `width`; a
    /// part longer than a whole line is cut (real values never are; hostile strings may be).
    static func lines(label: String, parts: [String], separator: String) -> String {
        let indent = String(repeating: " ", count: labelWidth + 2)
        let room = width - indent.count
        var out: [String] = []
        var current = ""
        for unsafePart in parts where !unsafePart.isEmpty {
            // Control bytes (a hostile operator name, an escape sequence) never reach the terminal.
            let rawPart = String(String.UnicodeScalarView(unsafePart.unicodeScalars.map {
                $0.value < 0x20 || $0.value == 0x7F ? "?" : $0
            }))
            let part = rawPart.count > room ? String(rawPart.prefix(room - 3)) + "..." : rawPart
            let gap = current.isEmpty ? "" : separator
            if current.count + gap.count + part.count > room {
                out.append(current)
                current = part
            } else {
                current += gap + part
            }
        }
        out.append(current)
        let head = label + String(repeating: " ", count: max(0, labelWidth - label.count)) + "  "
        return out.enumerated().map { ($0.offset == 0 ? head : indent) + $0.element + "\n" }.joined()
    }

    static func compact(_ parts: [String?]) -> [String] {
        parts.compactMap { $0 }.filter { !$0.isEmpty }
    }

    /// The one-line summary `up`/`reset` print when online.
    public static func summary(_ s: StatusSnapshot) -> String {
        compact([s.interface, s.address, s.gateway.map { "gw \($0)" }, s.rat, s.operator]).joined(separator: "  ")
    }

    public static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : Format.oneDecimal(value)
    }

    public static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(Format.twoDigits(seconds % 60))s" }
        if seconds < 86400 { return "\(seconds / 3600)h\(Format.twoDigits(seconds % 3600 / 60))m" }
        return "\(seconds / 86400)d\(seconds % 86400 / 3600)h"
    }

    public static func bytes(_ count: UInt64) -> String {
        if count < 1024 { return "\(count) B" }
        if count < 1 << 20 { return Format.oneDecimal(Double(count) / 1024) + " KiB" }
        if count < 1 << 30 { return Format.oneDecimal(Double(count) / 1048576) + " MiB" }
        return Format.oneDecimal(Double(count) / 1073741824) + " GiB"
    }
}

extension String {
    /// The route without " table 254" (the main table, which `ip route` never names).
    func replacingTable254() -> String {
        var words = split(separator: " ").map(String.init)
        if let index = words.firstIndex(of: "table"), index + 1 < words.count, words[index + 1] == "254" || words[index + 1] == "main" {
            words.removeSubrange(index...(index + 1))
        }
        return words.joined(separator: " ")
    }
}

/// Number formatting without Foundation's `String(format:)`.
public enum Format {
    public static func twoDigits(_ value: Int) -> String {
        value < 10 && value >= 0 ? "0\(value)" : String(value)
    }

    /// `value` rounded to one decimal, e.g. "12.4", "-0.5", "3.0".
    public static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return String(value) }
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    public static func padded(_ text: String, to width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
