import BG95Control

/// bg95ctl's documented exit codes (also in `bg95ctl --help` and the man page).
enum CLIExit: Int32 {
    case ok = 0
    case usage = 2
    case notRunning = 3
    case permissionDenied = 4
    case failed = 5
}

/// A runtime failure with the exit code it maps to.
struct CLIFailure: Error {
    var exit: CLIExit
    var message: String

    init(_ exit: CLIExit, _ message: String) {
        self.exit = exit
        self.message = message
    }

    init(_ error: ControlClientError) {
        switch error {
        case .notRunning: self.init(.notRunning, error.description)
        case .permissionDenied: self.init(.permissionDenied, error.description)
        case .closed, .timeout, .protocolViolation, .system: self.init(.failed, error.description)
        }
    }

    init(_ failure: ControlFailure) {
        switch failure.code {
        case .permissionDenied: self.init(.permissionDenied, failure.message)
        case .invalidRequest, .unsupportedVersion, .unknownCommand, .invalidArgument, .requestTooLarge,
             .timeout, .busy, .notAvailable, .failed:
            self.init(.failed, "\(failure.code.rawValue): \(failure.message)")
        }
    }
}
