/// An EMM reject cause (3GPP TS 24.301 §9.9.3.9, annex A) and what it means for retrying.
///
/// Permanent causes (3 illegal UE, 6 illegal ME, 7 EPS services not allowed, 8 EPS and non-EPS
/// services not allowed) make the UE treat its USIM as invalid for EPS until it is switched
/// off or the UICC changes (§5.5.1.2.5): retrying soon cannot help and only annoys the
/// network. Every other cause (11 PLMN not allowed, 12/13/15 tracking area, 22 congestion,
/// ...) is temporary: the module keeps searching, and the daemon backs off.
public struct EMMCause: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let code: Int

    public init(_ code: Int) { self.code = code }

    /// True for the causes after which only a SIM change, a power cycle or a person helps.
    public var isPermanent: Bool {
        switch code {
        case 3, 6, 7, 8: return true
        default: return false
        }
    }

    /// The cause in words, e.g. "EPS services not allowed"; nil for causes without a common name.
    public var meaning: String? {
        switch code {
        case 2: return "IMSI unknown in HSS"
        case 3: return "illegal UE"
        case 5: return "IMEI not accepted"
        case 6: return "illegal ME"
        case 7: return "EPS services not allowed"
        case 8: return "EPS and non-EPS services not allowed"
        case 9: return "UE identity cannot be derived by the network"
        case 10: return "implicitly detached"
        case 11: return "PLMN not allowed"
        case 12: return "tracking area not allowed"
        case 13: return "roaming not allowed in this tracking area"
        case 14: return "EPS services not allowed in this PLMN"
        case 15: return "no suitable cells in tracking area"
        case 22: return "congestion"
        case 111: return "protocol error, unspecified"
        default: return nil
        }
    }

    /// "EMM cause 7 (EPS services not allowed)".
    public var description: String {
        "EMM cause \(code)" + (meaning.map { " (\($0))" } ?? "")
    }
}
