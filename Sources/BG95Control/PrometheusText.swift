import BG95Core

/// Renders a `StatusSnapshot` in the Prometheus text exposition format (version 0.0.4), for
/// `bg95ctl status --prometheus` and the daemon's node_exporter textfile (`metrics_file`).
///
/// Every metric is `bg95_*` with `# HELP` and `# TYPE` lines; a value the snapshot does not
/// know is left out (no made-up zeros), except the state one-hot set, which is always whole.
/// Label values are escaped (`\\`, `\"`, `\n`), so a hostile operator name cannot break the
/// file. Pure: same snapshot, same text.
public enum PrometheusText {
    /// With `ages` false (the textfile), values that change every second by themselves
    /// (state age, probe age, online seconds, lease left) are left out and the online start is
    /// given as a timestamp, so the file only changes when something happens.
    public static func render(_ s: StatusSnapshot, ages: Bool = true) -> String {
        var out = MetricWriter()
        var info: [(String, String)] = []
        if let version = s.daemonVersion { info.append(("version", version)) }
        if let model = s.module?.model { info.append(("model", model)) }
        if let firmware = s.module?.firmware { info.append(("firmware", firmware)) }
        if let imei = s.module?.imei { info.append(("imei", imei)) }
        out.gauge("bg95_info", "bg95d and module identity; always 1.", [(info, 1)])

        let states = StatusSnapshot.stateNames.contains(s.state) ? StatusSnapshot.stateNames : StatusSnapshot.stateNames + [s.state]
        out.gauge("bg95_state", "1 for the supervisor state bg95d is in, 0 for the others.",
                  states.map { ([("state", $0)], $0 == s.state ? 1 : 0) })
        out.gauge("bg95_online", "1 while the end-to-end probe proves the link online.", [([], s.state == "online" ? 1 : 0)])
        if ages, let age = s.stateAge {
            out.gauge("bg95_state_age_seconds", "Seconds since bg95d entered its current state.", [([], Double(age))])
        }
        if let registration = s.registration {
            let registered = registration == "home" || registration == "roaming"
            out.gauge("bg95_registered", "1 when registered to the network (home or roaming).", [([("status", registration)], registered ? 1 : 0)])
        }
        if let cause = s.registrationCause {
            out.gauge("bg95_registration_reject_cause", "EMM reject cause (TS 24.301) while registration is denied.",
                      [([("text", s.registrationCauseText ?? EMMCause(cause).text)], Double(cause))])
        }
        if let signal = s.signal {
            if let v = signal.rsrp { out.gauge("bg95_signal_rsrp_dbm", "Reference signal received power (dBm).", [([], v)]) }
            if let v = signal.rsrq { out.gauge("bg95_signal_rsrq_db", "Reference signal received quality (dB).", [([], v)]) }
            if let v = signal.sinr { out.gauge("bg95_signal_sinr_db", "Signal to interference plus noise ratio (dB).", [([], v)]) }
            if let v = signal.rssi { out.gauge("bg95_signal_rssi_dbm", "Received signal strength indicator (dBm).", [([], v)]) }
        }
        if let call = s.dataCall {
            out.gauge("bg95_data_call_active", "1 while the PDP context carrying the ECM traffic is active.", [([], call.state == "active" ? 1 : 0)])
        }
        if !ages, let since = s.onlineSince {
            out.gauge("bg95_online_since_timestamp_seconds", "Unix time the link last became online.", [([], Double(since))])
        }
        if ages, let uptime = s.uptime {
            out.gauge("bg95_online_seconds", "Seconds the link has been online without interruption.", [([], Double(uptime))])
        }
        if let carrier = s.carrier {
            out.gauge("bg95_carrier", "1 when the ECM interface reports carrier (a hint only).", [([], carrier ? 1 : 0)])
        }
        if ages, let remaining = s.leaseRemaining {
            out.gauge("bg95_lease_remaining_seconds", "Seconds until the DHCP lease on the ECM interface expires.", [([], Double(remaining))])
        }
        if let probe = s.lastProbe {
            out.gauge("bg95_probe_success", "1 when the last end-to-end probe through the ECM interface answered.",
                      [([("method", probe.method), ("target", probe.target)], probe.ok ? 1 : 0)])
            if let rtt = probe.rttMs {
                out.gauge("bg95_probe_rtt_seconds", "Round-trip time of the last successful probe.", [([], rtt / 1000)])
            }
            if ages, let age = probe.age {
                out.gauge("bg95_probe_age_seconds", "Seconds since the last probe finished.", [([], Double(age))])
            }
        }
        if let counters = s.counters {
            let rungs = StatusSnapshot.recoveryRungs + counters.recoveries.keys.sorted().filter { !StatusSnapshot.recoveryRungs.contains($0) }
            out.counter("bg95_recoveries_total", "Recovery attempts per rung of the ladder since bg95d started.",
                        rungs.map { ([("rung", $0)], Double(counters.recoveries[$0] ?? 0)) })
            if let v = counters.rxBytesTotal {
                out.counter("bg95_receive_bytes_total", "Bytes received on the ECM interface (kernel counter).", [([], Double(v))])
            }
            if let v = counters.txBytesTotal {
                out.counter("bg95_transmit_bytes_total", "Bytes sent on the ECM interface (kernel counter).", [([], Double(v))])
            }
            if let v = counters.rxBytes {
                out.gauge("bg95_data_call_receive_bytes", "Bytes received since the data call started.", [([], Double(v))])
            }
            if let v = counters.txBytes {
                out.gauge("bg95_data_call_transmit_bytes", "Bytes sent since the data call started.", [([], Double(v))])
            }
        }
        return out.text
    }

    /// A label value escaped per the exposition format: `\` → `\\`, `"` → `\"`, LF → `\n`;
    /// other control bytes are dropped.
    public static func escapeLabel(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default:
                if scalar.value >= 0x20 && scalar.value != 0x7F { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// A sample value: integers without a fraction, `NaN`, `+Inf`, `-Inf`.
    public static func value(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v.rounded() == v && abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }

    struct MetricWriter {
        var text = ""
        mutating func gauge(_ name: String, _ help: String, _ samples: [([(String, String)], Double)]) {
            family(name, help, "gauge", samples)
        }
        mutating func counter(_ name: String, _ help: String, _ samples: [([(String, String)], Double)]) {
            family(name, help, "counter", samples)
        }
        private mutating func family(_ name: String, _ help: String, _ type: String, _ samples: [([(String, String)], Double)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in samples {
                let labelText = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
                text += "\(name)\(labelText) \(value(v))\n"
            }
        }
    }
}
