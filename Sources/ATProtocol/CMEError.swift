/// A `+CME ERROR: <n>` code (3GPP TS 27.007 §9.2), with the codes bg95-reference.md lists as
/// their own cases. `init(code:)` always maps a listed code to its case, never to `.other`.
public enum CMEError: Equatable, Hashable, Sendable, CustomStringConvertible {
    case operationNotAllowed            // 3
    case operationNotSupported          // 4
    case simNotInserted                 // 10
    case simPINRequired                 // 11
    case simPUKRequired                 // 12
    case simFailure                     // 13
    case simBusy                        // 14
    case incorrectPassword              // 16
    case noNetworkService               // 30
    case networkTimeout                 // 31
    case psServicesNotAllowed           // 107
    case plmnNotAllowed                 // 111
    case missingOrUnknownAPN            // 127
    case userAuthenticationFailed       // 129
    case serviceOptionNotSubscribed     // 133
    case unspecifiedGPRSError           // 148
    case pdpAuthenticationFailure       // 149
    /// Any other numeric code.
    case other(Int)
    /// Verbose (`AT+CMEE=2`) or unparsable text, cut to 64 characters.
    case text(String)

    public init(code: Int) {
        switch code {
        case 3: self = .operationNotAllowed
        case 4: self = .operationNotSupported
        case 10: self = .simNotInserted
        case 11: self = .simPINRequired
        case 12: self = .simPUKRequired
        case 13: self = .simFailure
        case 14: self = .simBusy
        case 16: self = .incorrectPassword
        case 30: self = .noNetworkService
        case 31: self = .networkTimeout
        case 107: self = .psServicesNotAllowed
        case 111: self = .plmnNotAllowed
        case 127: self = .missingOrUnknownAPN
        case 129: self = .userAuthenticationFailed
        case 133: self = .serviceOptionNotSubscribed
        case 148: self = .unspecifiedGPRSError
        case 149: self = .pdpAuthenticationFailure
        default: self = .other(code)
        }
    }

    /// Parses the text after `+CME ERROR:`; numbers beyond 6 digits or words become `.text`.
    public init(parsing text: some StringProtocol) {
        let trimmed = String(text).trimmingSpaces()
        if !trimmed.isEmpty, trimmed.utf8.count <= 6,
           trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
           let code = Int(trimmed) {
            self.init(code: code)
        } else {
            self = .text(String(trimmed.prefix(64)))
        }
    }

    /// The numeric code, or nil for `.text`.
    public var code: Int? {
        switch self {
        case .operationNotAllowed: return 3
        case .operationNotSupported: return 4
        case .simNotInserted: return 10
        case .simPINRequired: return 11
        case .simPUKRequired: return 12
        case .simFailure: return 13
        case .simBusy: return 14
        case .incorrectPassword: return 16
        case .noNetworkService: return 30
        case .networkTimeout: return 31
        case .psServicesNotAllowed: return 107
        case .plmnNotAllowed: return 111
        case .missingOrUnknownAPN: return 127
        case .userAuthenticationFailed: return 129
        case .serviceOptionNotSubscribed: return 133
        case .unspecifiedGPRSError: return 148
        case .pdpAuthenticationFailure: return 149
        case .other(let code): return code
        case .text: return nil
        }
    }

    /// The 27.007 meaning, for logs and `bg95ctl doctor`.
    public var meaning: String {
        switch self {
        case .operationNotAllowed: return "operation not allowed"
        case .operationNotSupported: return "operation not supported"
        case .simNotInserted: return "SIM not inserted"
        case .simPINRequired: return "SIM PIN required"
        case .simPUKRequired: return "SIM PUK required"
        case .simFailure: return "SIM failure"
        case .simBusy: return "SIM busy"
        case .incorrectPassword: return "incorrect password"
        case .noNetworkService: return "no network service"
        case .networkTimeout: return "network timeout"
        case .psServicesNotAllowed: return "PS services not allowed"
        case .plmnNotAllowed: return "PLMN not allowed"
        case .missingOrUnknownAPN: return "missing or unknown APN"
        case .userAuthenticationFailed: return "user authentication failed"
        case .serviceOptionNotSubscribed: return "requested service option not subscribed"
        case .unspecifiedGPRSError: return "unspecified GPRS error"
        case .pdpAuthenticationFailure: return "PDP authentication failure"
        case .other: return "error"
        case .text(let text): return text
        }
    }

    public var description: String {
        if let code { return "+CME ERROR: \(code) (\(meaning))" }
        return "+CME ERROR: \(meaning)"
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }

    /// True when every byte is printable ASCII (0x20...0x7E) and there are at most `maxLength`.
    func isPrintableASCII(maxLength: Int) -> Bool {
        utf8.count <= maxLength && utf8.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
    }
}
