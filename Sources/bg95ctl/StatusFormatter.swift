import BG95Control

/// Renders a `StatusSnapshot` as compact human text: one labelled line per topic, like
/// `ip -br` (terse, aligned) meets `mmcli` (everything about the modem in one place).
/// Unknown values are left out rather than shown as placeholders.
enum StatusFormatter {
    static func render(_ s: StatusSnapshot) -> String {
        var lines: [(String, String)] = []
        var state = s.state.uppercased()
        if let age = s.stateAge { state += "  for \(duration(age))" }
        if let rung = s.recoveryRung { state += "  recovering: \(rung)" }
        if s.state == "online", let uptime = s.uptime { state += "  (online \(duration(uptime)))" }
        lines.append(("bg95d", state))

        if let m = s.module {
            lines.append(("module", join([
                m.model, m.firmware.map { "fw \($0)" }, m.imei.map { "IMEI \($0)" },
                m.iccidMasked.map { "ICCID \($0)" }, m.usbnet.map { "usbnet \($0)" }, m.atPort,
            ])))
        }
        if let sim = s.sim { lines.append(("sim", sim)) }
        let network = join([
            s.operator.map { op in s.plmn.map { "\(op) (\($0))" } ?? op } ?? s.plmn,
            s.rat, s.band,
            s.registration.map { reg in s.registrationCause.map { "\(reg) (cause \($0))" } ?? reg },
        ])
        if !network.isEmpty { lines.append(("network", network)) }
        if let signal = s.signal {
            let text = join([
                signal.rsrp.map { "RSRP \(number($0)) dBm" }, signal.rsrq.map { "RSRQ \(number($0)) dB" },
                signal.sinr.map { "SINR \(number($0)) dB" }, signal.rssi.map { "RSSI \(number($0)) dBm" },
            ])
            if !text.isEmpty { lines.append(("signal", text)) }
        }
        if let call = s.dataCall {
            lines.append(("data call", join([
                call.state, call.cid.map { "cid \($0)" }, call.apn.map { "apn \($0)" }, call.pdnAddress.map { "pdn \($0)" },
            ])))
        }
        if let interface = s.interface {
            lines.append((interface, join([
                s.carrier.map { $0 ? "UP" : "NO-CARRIER" }, s.address, s.gateway.map { "gw \($0)" },
                s.dns.flatMap { $0.isEmpty ? nil : "dns " + $0.joined(separator: ",") },
                s.leaseRemaining.map { "lease \(duration($0))" },
            ])))
        }
        for (index, route) in (s.routes ?? []).enumerated() {
            lines.append((index == 0 ? "routes" : "", route))
        }
        if let probe = s.lastProbe {
            lines.append(("probe", join([
                probe.ok ? "ok" : "FAILED", probe.method, probe.target, probe.rttMs.map { "\(number($0)) ms" },
                probe.age.map { "\(duration($0)) ago" }, probe.detail,
            ])))
        }
        if let counters = s.counters {
            var parts: [String] = []
            let rungs = StatusSnapshot.recoveryRungs + counters.recoveries.keys.sorted().filter { !StatusSnapshot.recoveryRungs.contains($0) }
            let recoveries = rungs.compactMap { rung in counters.recoveries[rung].map { "\(rung) \($0)" } }
            if !recoveries.isEmpty { parts.append("recoveries: " + recoveries.joined(separator: ", ")) }
            if let rx = counters.rxBytes { parts.append("rx \(bytes(rx))") }
            if let tx = counters.txBytes { parts.append("tx \(bytes(tx))") }
            if !parts.isEmpty { lines.append(("counters", parts.joined(separator: "  "))) }
        }
        if let error = s.lastError { lines.append(("last error", error)) }

        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { label, value in
            label + String(repeating: " ", count: width - label.count) + "  " + value + "\n"
        }.joined()
    }

    static func join(_ parts: [String?]) -> String {
        parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: "  ")
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value ? String(Int(value)) : Format.oneDecimal(value)
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(Format.twoDigits(seconds % 60))s" }
        if seconds < 86400 { return "\(seconds / 3600)h\(Format.twoDigits(seconds % 3600 / 60))m" }
        return "\(seconds / 86400)d\(seconds % 86400 / 3600)h"
    }

    static func bytes(_ count: UInt64) -> String {
        if count < 1024 { return "\(count) B" }
        if count < 1 << 20 { return Format.oneDecimal(Double(count) / 1024) + " KiB" }
        if count < 1 << 30 { return Format.oneDecimal(Double(count) / 1048576) + " MiB" }
        return Format.oneDecimal(Double(count) / 1073741824) + " GiB"
    }
}