import BG95Core

/// Reads the `key = value` configuration format of `/etc/bg95d.conf`.
///
/// Format: one `key = value` per line; blank lines and lines starting with `#` or `;` are
/// ignored; spaces around key and value are trimmed; a value may be put in double quotes to keep
/// leading/trailing spaces or a `#` (there are no escapes). A comment after a value
/// (`apn = internet  # mine`) is refused with a message saying so, since a value may contain `#`
/// (`password = ab#c`). Keys are lower case with underscores. Every key has a default.
///
/// Untrusted input: an unknown key, a repeated key, a line without `=`, or a bad value is
/// refused with the file, the line and the reason (`ConfigurationError`); nothing is guessed.
public enum ConfigurationParser {
    /// The system resolver file, which `dns_file` must never be.
    public static let systemResolverFile = "/etc/resolv.conf"

    /// Every key the parser knows, in the order the example file documents them.
    public static let keys: [String] = [
        "apn", "pdp_type", "username", "password", "auth", "pin", "pin_file", "iot_mode", "bands",
        "route_metric", "take_default_route", "policy_table", "policy_priority", "dns_backend", "dns_file",
        "probe_target", "probe_interval", "probe_timeout", "probe_attempts", "module_survey_interval",
        "bringup_timeout", "link_timeout", "dhcp_timeout", "registration_timeout", "recovery_step_timeout",
        "device_timeout", "diagnosis_timeout", "backoff_initial", "backoff_max", "attempts_per_rung",
        "release_on_shutdown",
        "control_socket", "control_group", "control_group_may_change", "state_dir", "usb_path", "usb_serial", "log_level",
        "metrics_file", "metrics_interval",
    ]

    /// Parses the text of a configuration file named `file` (used in errors) on top of `base`.
    public static func parse(_ text: String, file: String, base: DaemonConfiguration = DaemonConfiguration())
        throws(ConfigurationError) -> DaemonConfiguration
    {
        var configuration = base
        var seen: [String: Int] = [:]
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on any newline character.
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            let location = ConfigurationError.Location(file: file, line: lineNumber)
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ConfigurationError(location: location, reason: "expected `key = value`")
            }
            let key = String(trimmed[..<equals].trimmingSpaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingSpaces
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") {
                value = value.dropFirst().dropLast()
            } else if let hash = value.firstIndex(of: "#"), hash > value.startIndex,
                      value[value.index(before: hash)] == " " || value[value.index(before: hash)] == "\t"
            {
                // `apn = internet  # comment` would otherwise become the value "internet  # comment".
                throw ConfigurationError(location: location, reason: "\(key): comments after a value are not supported "
                    + "(a value may contain `#`); put the comment on its own line, or quote the value")
            }
            guard !key.isEmpty else { throw ConfigurationError(location: location, reason: "missing key before `=`") }
            if let first = seen[key] {
                throw ConfigurationError(location: location, reason: "`\(key)` is already set on line \(first)")
            }
            seen[key] = lineNumber
            try set(key, to: String(value), in: &configuration, at: location)
        }
        try validate(configuration, file: file)
        return configuration
    }

    /// Applies command-line overrides (`key=value`, same keys and values as the file) on top of
    /// `base`. Errors name `--set key=value` as their place.
    public static func applyOverrides(_ overrides: [(key: String, value: String)], to base: DaemonConfiguration)
        throws(ConfigurationError) -> DaemonConfiguration
    {
        var configuration = base
        for (key, value) in overrides {
            let location = ConfigurationError.Location(file: "command line", line: nil, option: "\(key)=\(value.redactedIfSecret(key: key))")
            try set(key, to: value, in: &configuration, at: location)
        }
        try validate(configuration, file: "command line")
        return configuration
    }

    /// Splits one `key=value` override; throws when there is no `=`.
    public static func splitOverride(_ text: String) throws(ConfigurationError) -> (key: String, value: String) {
        guard let equals = text.firstIndex(of: "=") else {
            throw ConfigurationError(location: .init(file: "command line", line: nil, option: text),
                                     reason: "expected key=value")
        }
        return (String(text[..<equals].trimmingSpaces), String(text[text.index(after: equals)...].trimmingSpaces))
    }

    // MARK: - Keys

    private static func set(_ key: String, to value: String, in c: inout DaemonConfiguration,
                            at location: ConfigurationError.Location) throws(ConfigurationError)
    {
        func fail(_ reason: String) -> ConfigurationError {
            ConfigurationError(location: location, reason: "\(key): \(reason)")
        }
        switch key {
        case "apn":
            c.apn = try quotedField(value, maxLength: 62, what: "APN", fail)
            if c.apn.contains(where: { $0 == " " }) { throw fail("an APN contains no spaces") }
        case "pdp_type": c.pdpType = try spelled(value, ConfigSpelling.pdpTypes, fail)
        case "username": c.username = try quotedField(value, maxLength: 64, what: "user name", fail)
        case "password": c.password = try quotedField(value, maxLength: 64, what: "password", fail)
        case "auth": c.auth = try spelled(value, ConfigSpelling.authentications, fail)
        case "pin":
            if value.isEmpty { c.pin = nil; return }
            guard (4...8).contains(value.count), value.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                throw fail("a PIN is 4 to 8 digits")  // the value itself is never repeated
            }
            c.pin = value
        case "pin_file": c.pinFile = value.isEmpty ? nil : try absolutePath(value, fail)
        case "iot_mode": c.iotMode = try choice(value, fail)
        case "bands": c.bands = try bandList(value, fail)
        case "route_metric": c.routeMetric = try unsigned(value, range: 0...UInt32.max, fail)
        case "take_default_route": c.takeDefaultRoute = try boolean(value, fail)
        case "policy_table":
            let table = try unsigned(value, range: 1...UInt32.max, fail)
            // 253-255 are the kernel's default/main/local tables; 0 is "unspecified".
            guard !(253...255).contains(table) else { throw fail("tables 253-255 are the kernel's own") }
            c.policyTable = table
        case "policy_priority":
            c.policyPriority = try unsigned(value, range: 1...32765, fail)
        case "dns_backend": c.dnsBackend = try choice(value, fail)
        case "dns_file":
            c.dnsFile = try absolutePath(value, fail)
            if c.dnsFile == systemResolverFile {
                throw fail("bg95d writes and removes this file; the system's \(systemResolverFile) must not be it "
                    + "(use a file of its own, e.g. /run/bg95d/resolv.conf, or dns_backend = resolvconf/resolved)")
            }
        case "probe_target": c.probeTarget = try probeTarget(value, fail)
        case "probe_interval": c.supervisor.probeInterval = try duration(value, minimum: .seconds(1), fail)
        case "probe_timeout": c.probeTimeout = try duration(value, minimum: .milliseconds(100), fail)
        case "module_survey_interval":
            let interval = try duration(value, minimum: .zero, fail)
            guard interval == .zero || interval >= .seconds(10) else { throw fail("0 (off) or at least 10s") }
            c.moduleSurveyInterval = interval == .zero ? nil : interval
        case "probe_attempts": c.supervisor.verifyAttempts = Int(try unsigned(value, range: 1...20, fail))
        case "bringup_timeout": c.supervisor.bringUpTimeout = try duration(value, minimum: .seconds(1), fail)
        case "link_timeout": c.supervisor.linkTimeout = try duration(value, minimum: .milliseconds(100), fail)
        case "dhcp_timeout": c.supervisor.dhcpTimeout = try duration(value, minimum: .seconds(1), fail)
        case "registration_timeout": c.supervisor.registrationTimeout = try duration(value, minimum: .seconds(1), fail)
        case "recovery_step_timeout": c.supervisor.recoveryStepTimeout = try duration(value, minimum: .seconds(1), fail)
        case "device_timeout": c.supervisor.deviceTimeout = try duration(value, minimum: .seconds(1), fail)
        case "diagnosis_timeout": c.supervisor.diagnosisTimeout = try duration(value, minimum: .seconds(1), fail)
        case "backoff_initial": c.supervisor.backoff.initial = try duration(value, minimum: .milliseconds(10), fail)
        case "backoff_max": c.supervisor.backoff.maximum = try duration(value, minimum: .milliseconds(10), fail)
        case "attempts_per_rung": c.supervisor.attemptsPerRung = Int(try unsigned(value, range: 1...100, fail))
        case "release_on_shutdown": c.supervisor.releaseOnShutdown = try boolean(value, fail)
        case "control_socket": c.controlSocket = try absolutePath(value, fail)
        case "control_group":
            guard value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
                throw fail("not a group name")
            }
            c.controlGroup = value
        case "control_group_may_change": c.controlGroupMayChange = try boolean(value, fail)
        case "state_dir": c.stateDir = try absolutePath(value, fail)
        case "metrics_file": c.metricsFile = value.isEmpty ? "" : try absolutePath(value, fail)
        case "metrics_interval": c.metricsInterval = try duration(value, minimum: .seconds(1), fail)
        case "usb_path":
            guard value.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" }) else { throw fail("not a USB path") }
            c.usbPath = value
        case "usb_serial":
            guard value.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\"" }) else { throw fail("not a serial number") }
            c.usbSerial = value
        case "log_level":
            switch value.lowercased() {
            case "error": c.logLevel = .error
            case "warning": c.logLevel = .warning
            case "notice": c.logLevel = .notice
            case "info": c.logLevel = .info
            case "debug": c.logLevel = .debug
            default: throw fail("expected one of error, warning, notice, info, debug")
            }
        default:
            throw ConfigurationError(location: location, reason: "unknown key `\(key)`")
        }
    }

    private static func validate(_ c: DaemonConfiguration, file: String) throws(ConfigurationError) {
        let location = ConfigurationError.Location(file: file, line: nil)
        if c.pin != nil && c.pinFile != nil {
            throw ConfigurationError(location: location, reason: "set either pin or pin_file, not both")
        }
        if c.auth != .none && c.username.isEmpty {
            throw ConfigurationError(location: location, reason: "auth \(ConfigSpelling.name(of: c.auth, in: ConfigSpelling.authentications)) needs a username")
        }
        if c.supervisor.backoff.maximum < c.supervisor.backoff.initial {
            throw ConfigurationError(location: location, reason: "backoff_max is shorter than backoff_initial")
        }
    }

    // MARK: - Value types

    /// A string that goes inside double quotes on the AT port: no quotes, no control bytes,
    /// printable ASCII only.
    private static func quotedField(_ value: String, maxLength: Int, what: String,
                                    _ fail: (String) -> ConfigurationError) throws(ConfigurationError) -> String
    {
        guard value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }) else {
            throw fail("the \(what) may only hold printable ASCII without `\"` or `\\`")
        }
        guard value.utf8.count <= maxLength else { throw fail("longer than \(maxLength) characters") }
        return value
    }

    private static func choice<T: RawRepresentable & CaseIterable>(_ value: String, _ fail: (String) -> ConfigurationError)
        throws(ConfigurationError) -> T where T.RawValue == String
    {
        if let result = T(rawValue: value.lowercased()) { return result }
        throw fail("expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
    }

    private static func spelled<T>(_ value: String, _ spellings: KeyValuePairs<String, T>, _ fail: (String) -> ConfigurationError)
        throws(ConfigurationError) -> T
    {
        if let match = spellings.first(where: { $0.key == value.lowercased() }) { return match.value }
        throw fail("expected one of \(spellings.map(\.key).joined(separator: ", "))")
    }

    private static func boolean(_ value: String, _ fail: (String) -> ConfigurationError) throws(ConfigurationError) -> Bool {
        switch value.lowercased() {
        case "yes", "true", "on", "1": return true
        case "no", "false", "off", "0": return false
        default: throw fail("expected yes or no")
        }
    }

    private static func unsigned(_ value: String, range: ClosedRange<UInt32>, _ fail: (String) -> ConfigurationError)
        throws(ConfigurationError) -> UInt32
    {
        guard let number = UInt32(value), range.contains(number) else {
            throw fail("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private static func absolutePath(_ value: String, _ fail: (String) -> ConfigurationError) throws(ConfigurationError) -> String {
        guard value.hasPrefix("/"), !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw fail("expected an absolute path")
        }
        return value
    }

    /// `300`, `300s`, `500ms`, `5m`, `1h`. A bare number is seconds.
    public static func parseDuration(_ value: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var number = Substring(value)
        var millisecondsPerUnit: Int64 = 1000
        for (suffix, ms) in units where value.hasSuffix(suffix) {
            number = value.dropLast(suffix.count)
            millisecondsPerUnit = ms
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && $0.isNumber }), number.count <= 9,
              let count = Int64(number) else { return nil }
        return .milliseconds(count * millisecondsPerUnit)
    }

    private static func duration(_ value: String, minimum: Duration, _ fail: (String) -> ConfigurationError)
        throws(ConfigurationError) -> Duration
    {
        guard let duration = parseDuration(value) else {
            throw fail("expected a duration such as 300, 30s, 500ms, 5m or 1h")
        }
        guard duration >= minimum else { throw fail("must be at least \(minimum)") }
        return duration
    }

    /// `3,8,20` or `any` (leave the module's bands alone).
    private static func bandList(_ value: String, _ fail: (String) -> ConfigurationError) throws(ConfigurationError) -> [Int] {
        if value.isEmpty || value.lowercased() == "any" { return [] }
        var bands: [Int] = []
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
            guard let band = Int(part.trimmingSpaces), (1...88).contains(band) else {
                throw fail("expected LTE band numbers 1-88 separated by commas, or `any`")
            }
            if !bands.contains(band) { bands.append(band) }
        }
        return bands.sorted()
    }

    /// An IPv4 address (ICMP echo) or `dns:<name>` (DNS query to the leased resolver).
    private static func probeTarget(_ value: String, _ fail: (String) -> ConfigurationError) throws(ConfigurationError) -> ProbeTarget {
        if value.hasPrefix("dns:") {
            let name = String(value.dropFirst(4))
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            guard !name.isEmpty, name.utf8.count <= 253,
                  labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 && $0.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) })
            else { throw fail("expected dns:<host name>") }
            return .dns(name)
        }
        guard isIPv4(value) else { throw fail("expected an IPv4 address or dns:<host name>") }
        return .icmp(value)
    }

    public static func isIPv4(_ value: String) -> Bool {
        IPv4Address(value) != nil
    }
}

/// A configuration value or line that was refused, with where and why.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public struct Location: Sendable, Equatable {
        public var file: String
        public var line: Int?
        /// The command-line option, for overrides.
        public var option: String?

        public init(file: String, line: Int?, option: String? = nil) {
            self.file = file
            self.line = line
            self.option = option
        }
    }

    public var location: Location
    public var reason: String

    public init(location: Location, reason: String) {
        self.location = location
        self.reason = reason
    }

    public var description: String {
        var place = location.file
        if let line = location.line { place += ":\(line)" }
        if let option = location.option { place += " (\(option))" }
        return "\(place): \(reason)"
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    fileprivate func redactedIfSecret(key: String) -> String {
        key == "pin" || key == "password" ? "***" : self
    }
}
