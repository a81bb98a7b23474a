/// An EPS mobility management reject cause (3GPP TS 24.301 Annex A), as `+CEREG` reports it
/// when registration is denied: its meaning in words and what an operator can do about it.
///
/// The point of this table is the remedy: cause 7 is a subscription problem that no antenna
/// will fix, cause 15 is a coverage / RAT / band problem that no call to the operator will fix.
/// Unknown numbers get a generic text, never a crash.
public struct EMMCause: Equatable, Sendable {
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
    public let text: String
    public let kind: Kind

    public init(_ code: Int) {
        self.code = code
        switch code {
        case 2: (text, kind) = ("IMSI unknown in HSS", .subscription)
        case 3: (text, kind) = ("illegal UE", .subscription)
        case 5: (text, kind) = ("IMEI not accepted", .subscription)
        case 6: (text, kind) = ("illegal ME", .subscription)
        case 7: (text, kind) = ("EPS services not allowed", .subscription)
        case 8: (text, kind) = ("EPS and non-EPS services not allowed", .subscription)
        case 9: (text, kind) = ("UE identity cannot be derived by the network", .transient)
        case 10: (text, kind) = ("implicitly detached", .transient)
        case 11: (text, kind) = ("PLMN not allowed", .location)
        case 12: (text, kind) = ("tracking area not allowed", .location)
        case 13: (text, kind) = ("roaming not allowed in this tracking area", .location)
        case 14: (text, kind) = ("EPS services not allowed in this PLMN", .location)
        case 15: (text, kind) = ("no suitable cells in tracking area", .location)
        case 16: (text, kind) = ("MSC temporarily not reachable", .transient)
        case 17: (text, kind) = ("network failure", .transient)
        case 18: (text, kind) = ("CS domain not available", .transient)
        case 19: (text, kind) = ("ESM failure", .subscription)
        case 20: (text, kind) = ("MAC failure", .subscription)
        case 21: (text, kind) = ("synch failure", .subscription)
        case 22: (text, kind) = ("congestion", .transient)
        case 23: (text, kind) = ("UE security capabilities mismatch", .protocolError)
        case 24: (text, kind) = ("security mode rejected", .protocolError)
        case 25: (text, kind) = ("not authorized for this CSG", .location)
        case 26: (text, kind) = ("non-EPS authentication unacceptable", .subscription)
        case 35: (text, kind) = ("requested service option not authorized in this PLMN", .location)
        case 39: (text, kind) = ("CS service temporarily not available", .transient)
        case 40: (text, kind) = ("no EPS bearer context activated", .transient)
        case 42: (text, kind) = ("severe network failure", .transient)
        case 95...101, 111: (text, kind) = ("protocol error (cause \(code))", .protocolError)
        default: (text, kind) = ("unknown cause \(code)", .transient)
        }
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
}
