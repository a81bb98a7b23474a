/// An EPS mobility management reject cause (3GPP TS 24.301 §9.9.3.9, annex A), as `+CEREG`
/// reports it when registration is denied: its meaning in words, whether retrying can help,
/// who can fix it and what to do. The one table for the module model, the supervisor's
/// policy, `status` and `doctor`.
///
/// Permanent causes (3 illegal UE, 6 illegal ME, 7 EPS services not allowed, 8 EPS and non-EPS
/// services not allowed) make the UE treat its USIM as invalid for EPS until it is switched
/// off or the UICC changes (§5.5.1.2.5): retrying soon cannot help and only annoys the
/// network. Every other cause (11 PLMN not allowed, 12/13/15 tracking area, 22 congestion,
/// ...) is temporary: the module keeps searching, and the daemon backs off.
///
/// The remedy is the point for an operator: cause 7 is a subscription problem that no antenna
/// will fix, cause 15 is a coverage / RAT / band problem that no call to the operator will fix.
/// Unknown numbers get a generic text, never a crash.
public struct EMMCause: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Who can fix it.
    public enum Kind: String, Equatable, Sendable {
        /// The network refuses this SIM or device: only the operator (or another SIM) helps.
        case subscription
        /// The network refuses here: coverage, RAT, bands, roaming; a setting or place helps.
        case location
        /// A transient network condition: waiting helps; bg95d keeps trying.
        case transient
        /// A protocol-level refusal; rare; firmware or network bug.
        case protocolError = "protocol"
    }

    public let code: Int

    public init(_ code: Int) { self.code = code }

    /// True for the causes after which only a SIM change, a power cycle or a person helps.
    public var isPermanent: Bool {
        switch code {
        case 3, 6, 7, 8: return true
        default: return false
        }
    }

    /// The cause in words, e.g. "EPS services not allowed"; nil for causes without a name.
    public var meaning: String? { Self.table(code)?.meaning }

    /// The words, or "unknown cause N".
    public var text: String { meaning ?? "unknown cause \(code)" }

    /// Who can fix it (unknown causes count as transient: bg95d keeps trying).
    public var kind: Kind { Self.table(code)?.kind ?? .transient }

    /// "EMM cause 7 (EPS services not allowed)".
    public var description: String {
        "EMM cause \(code)" + (meaning.map { " (\($0))" } ?? "")
    }

    /// What to do, for `doctor`'s headline.
    public var remedy: String {
        switch (kind, code) {
        case (.subscription, 7), (.subscription, 8):
            return "the SIM's subscription does not include LTE-M/NB-IoT data: ask the operator to enable it for this SIM; antenna or bands will not help"
        case (.subscription, 19):
            return "the network refused the default bearer: check the APN with the operator"
        case (.subscription, _):
            return "the network refuses this SIM or device: contact the operator (or try another SIM); retrying will not help"
        case (.location, 11), (.location, 14):
            return "this network does not accept the SIM here (roaming): check the operator's roaming list, or select another PLMN"
        case (.location, 15):
            return "no cell here offers the configured RAT/bands: check iot_mode and bands, antenna and coverage"
        case (.location, _):
            return "refused in this area: check coverage, iot_mode and bands, or move"
        case (.transient, 22):
            return "the network is congested and asked the module to back off; bg95d retries"
        case (.transient, _):
            return "a transient network condition; bg95d keeps retrying"
        case (.protocolError, _):
            return "a protocol error between module and network: check the firmware (AT+QGMR) and report it"
        }
    }

    private static func table(_ code: Int) -> (meaning: String, kind: Kind)? {
        switch code {
        case 2: return ("IMSI unknown in HSS", .subscription)
        case 3: return ("illegal UE", .subscription)
        case 5: return ("IMEI not accepted", .subscription)
        case 6: return ("illegal ME", .subscription)
        case 7: return ("EPS services not allowed", .subscription)
        case 8: return ("EPS and non-EPS services not allowed", .subscription)
        case 9: return ("UE identity cannot be derived by the network", .transient)
        case 10: return ("implicitly detached", .transient)
        case 11: return ("PLMN not allowed", .location)
        case 12: return ("tracking area not allowed", .location)
        case 13: return ("roaming not allowed in this tracking area", .location)
        case 14: return ("EPS services not allowed in this PLMN", .location)
        case 15: return ("no suitable cells in tracking area", .location)
        case 16: return ("MSC temporarily not reachable", .transient)
        case 17: return ("network failure", .transient)
        case 18: return ("CS domain not available", .transient)
        case 19: return ("ESM failure", .subscription)
        case 20: return ("MAC failure", .subscription)
        case 21: return ("synch failure", .subscription)
        case 22: return ("congestion", .transient)
        case 23: return ("UE security capabilities mismatch", .protocolError)
        case 24: return ("security mode rejected", .protocolError)
        case 25: return ("not authorized for this CSG", .location)
        case 26: return ("non-EPS authentication unacceptable", .subscription)
        case 35: return ("requested service option not authorized in this PLMN", .location)
        case 39: return ("CS service temporarily not available", .transient)
        case 40: return ("no EPS bearer context activated", .transient)
        case 42: return ("severe network failure", .transient)
        case 111: return ("protocol error, unspecified", .protocolError)
        case 95...101: return ("protocol error (cause \(code))", .protocolError)
        default: return nil
        }
    }
}
