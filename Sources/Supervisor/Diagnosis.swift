import ATProtocol
/// What the module said when asked why the end-to-end probe failed although a lease exists.
///
/// Each field is nil when the query failed or is not supported (e.g. `AT+QNETDEVCTL?` on a
/// firmware without it); the verdict uses what is known.
public struct Diagnosis: Sendable, Equatable {
    /// `AT+CEREG?`.
    public var registration: RegistrationStatus?
    /// `AT+CGACT?` for the data context.
    public var pdpActive: Bool?
    /// `AT+QNETDEVCTL?`: whether the data call is bound to the USB network device.
    public var netDeviceConnected: Bool?
    /// `AT+QPING` to the probe target through the module's own stack.
    public var modulePingSucceeded: Bool?

    public init(registration: RegistrationStatus? = nil, pdpActive: Bool? = nil,
                netDeviceConnected: Bool? = nil, modulePingSucceeded: Bool? = nil) {
        self.registration = registration
        self.pdpActive = pdpActive
        self.netDeviceConnected = netDeviceConnected
        self.modulePingSucceeded = modulePingSucceeded
    }

    /// What is broken, judged from the answers.
    public var verdict: DiagnosisVerdict {
        if let registration, !registration.isRegistered { return .notRegistered(registration) }
        if pdpActive == false { return .pdnDown("PDP context inactive (CGACT)") }
        if netDeviceConnected == false { return .pdnDown("data call not bound to the ECM device (QNETDEVCTL)") }
        if modulePingSucceeded == false { return .pdnDown("the module's own ping fails (QPING)") }
        if modulePingSucceeded == true { return .ecmPathDown("the module reaches the target but the host cannot through ECM") }
        if registration == nil && pdpActive == nil && netDeviceConnected == nil {
            return .moduleUnresponsive
        }
        return .ecmPathDown("the data call looks active but the host cannot reach the target through ECM")
    }
}

/// The diagnosis's conclusion, each with the remedy the supervisor starts from.
public enum DiagnosisVerdict: Sendable, Equatable, CustomStringConvertible {
    /// The module is not registered: wait for it to register again.
    case notRegistered(RegistrationStatus)
    /// The PDN (data call) is down: restart the data call.
    case pdnDown(String)
    /// The module's data call works but the host's path through ECM does not: renew DHCP.
    case ecmPathDown(String)
    /// The module did not answer the queries: cycle the radio, then reboot.
    case moduleUnresponsive

    public var description: String {
        switch self {
        case .notRegistered(let state): return "not registered (\(state))"
        case .pdnDown(let why): return "PDN down: \(why)"
        case .ecmPathDown(let why): return "ECM path down: \(why)"
        case .moduleUnresponsive: return "module not answering"
        }
    }
}
