import ATProtocol

/// The survey: identity, SIM, operator, network and signal read once the data call is up,
/// and again on an interval; the answers only fill `module`.
extension ModemMachine {
    /// Identity, subscriber, attach, operator and signal: read once the data call is up (not before, so
    /// they never delay getting online); their answers only fill `module`.
    static let surveyQueries: [ATCommand] = [
        .imeiQuery, .imsiQuery, .iccidQuery, .attachQuery, .operatorQuery, .networkInfoQuery, .servingSignalQuery,
    ]

    /// What the periodic survey reads again (identity and SIM do not change while up).
    static let refreshQueries: [ATCommand] = [.registrationQuery, .operatorQuery, .networkInfoQuery, .servingSignalQuery]

    /// Only while the data call is up and nothing else is going on (a survey, diagnosis or
    /// recovery in flight is left alone: the refresh is worth less than any of them).
    mutating func refreshModuleFacts(into actions: inout [ModemAction]) {
        guard case .up = state, step == .done else { return }
        survey(Self.refreshQueries, into: &actions)
    }

    mutating func survey(_ remaining: [ATCommand], into actions: inout [ModemAction]) {
        guard let next = remaining.first else {
            step = .done
            if let interval = configuration.surveyInterval { actions.append(.startTimer(.survey, after: interval)) }
            return
        }
        send(next, step: .survey(Array(remaining.dropFirst())), into: &actions)
    }
}
