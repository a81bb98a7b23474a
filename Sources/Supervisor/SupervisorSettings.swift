/// The timing and policy the supervisor runs with (taken from the configuration file).
public struct SupervisorSettings: Sendable, Equatable {
    /// Interval of the health probe while online. Each probe costs a few hundred bytes on a
    /// metered link, so the default is 5 minutes; URCs and link events cover fast failures.
    public var probeInterval: Duration = .seconds(300)
    /// Probes tried in `verifying` before asking the module what is wrong.
    public var verifyAttempts: Int = 3
    /// The whole modem bring-up (registration can take minutes on Cat-M1 / NB-IoT).
    public var bringUpTimeout: Duration = .seconds(600)
    /// Waiting for carrier on the ECM interface.
    public var linkTimeout: Duration = .seconds(30)
    /// Waiting for a lease.
    public var dhcpTimeout: Duration = .seconds(60)
    /// Waiting for the module to register again after losing registration.
    public var registrationTimeout: Duration = .seconds(180)
    /// While registration is lost: ask `AT+CEREG?` again after this, doubling up to
    /// `registrationRecheckMaximum` (a lost `+CEREG: 1` must not cost the whole timeout).
    public var registrationRecheck: Duration = .seconds(5)
    public var registrationRecheckMaximum: Duration = .seconds(60)
    /// After a permanent registration refusal (EMM cause 3, 6, 7, 8): try again only after
    /// this long (or on `bg95ctl up`, or when the SIM changes).
    public var permanentRejectRetry: Duration = .seconds(3600)
    /// A module-side recovery step (CGACT takes up to 150 s).
    public var recoveryStepTimeout: Duration = .seconds(180)
    /// After `AT+CFUN=1,1`: waiting for the device to re-enumerate.
    public var deviceTimeout: Duration = .seconds(90)
    /// Waiting for the diagnosis queries (QPING alone can take a while).
    public var diagnosisTimeout: Duration = .seconds(60)
    /// Backoff between recovery attempts.
    public var backoff = Backoff(initial: .seconds(5), maximum: .seconds(600))
    /// Attempts on each rung before climbing.
    public var attemptsPerRung: Int = 2
    /// Send DHCPRELEASE on shutdown.
    public var releaseOnShutdown: Bool = true

    public init() {}
}
