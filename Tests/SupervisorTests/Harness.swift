import ATProtocol
import BG95Core
import Supervisor
import XCTest

/// Drives a `SupervisorMachine` with scripted events and a fake clock, remembering the timers
/// it armed so a test can fire them, and the actions of the last step.
struct Harness {
    var machine: SupervisorMachine
    var now: ContinuousClock.Instant
    var timers: [TimerKind: (id: TimerID, delay: Duration)] = [:]
    var last: [SupervisorAction] = []
    var log: [String] = []
    /// The same lines with their priority.
    var logged: [(LogPriority, String)] = []

    static let lease = LeaseSummary(address: "192.168.225.34/24", gateway: "192.168.225.1",
                                    dns: ["192.168.225.1"], leaseSeconds: 3600)

    init(settings: SupervisorSettings = Harness.fastSettings) {
        now = ContinuousClock.now
        machine = SupervisorMachine(settings: settings, now: now)
    }

    static var fastSettings: SupervisorSettings {
        var s = SupervisorSettings()
        s.probeInterval = .seconds(300)
        s.backoff = Backoff(initial: .seconds(2), maximum: .seconds(60))
        s.attemptsPerRung = 2
        s.verifyAttempts = 2
        return s
    }

    var state: SupervisorState { machine.state }

    @discardableResult
    mutating func send(_ event: SupervisorEvent, after elapsed: Duration = .milliseconds(1)) -> [SupervisorAction] {
        now = now + elapsed
        last = machine.handle(event, now: now)
        for action in last {
            switch action {
            case .startTimer(let id, let delay): timers[id.kind] = (id, delay)
            case .cancelTimer(let kind): timers[kind] = nil
            case .log(let priority, let line):
                log.append(line)
                logged.append((priority, line))
            default: break
            }
        }
        return last
    }

    /// Fires the armed timer of `kind` after its delay; fails the test when none is armed.
    @discardableResult
    mutating func fire(_ kind: TimerKind, file: StaticString = #filePath, line: UInt = #line) -> [SupervisorAction] {
        guard let timer = timers[kind] else {
            XCTFail("no \(kind) timer armed (state \(state))", file: file, line: line)
            return []
        }
        timers[kind] = nil
        return send(.timerFired(timer.id), after: timer.delay)
    }

    /// A real data-call drop: the URC, then, when the machine asks (`AT+CGACT?` while online),
    /// the module confirming the context is inactive.
    @discardableResult
    mutating func dataCallDrops(_ urc: SupervisorEvent = .pdpDeactivated("x")) -> [SupervisorAction] {
        send(urc)
        return answerDataCallQuery(active: false)
    }

    /// A real restart: `RDY`, then, when the machine asks, no active context.
    @discardableResult
    mutating func moduleRestarts() -> [SupervisorAction] {
        send(.moduleRestarted)
        return answerDataCallQuery(active: false)
    }

    /// Answers the `AT+CGACT?` the last step asked for, if it asked.
    @discardableResult
    mutating func answerDataCallQuery(active: Bool?) -> [SupervisorAction] {
        for case .queryDataCall(let question) in last {
            return send(.dataCallQueried(active: active, question: question))
        }
        return last
    }

    func did(_ action: SupervisorAction) -> Bool { last.contains(action) }

    /// The actions of the last step without logs, status and timers: what the daemon *does*.
    var effects: [SupervisorAction] {
        last.filter {
            switch $0 {
            case .log, .notifyStatus, .startTimer, .cancelTimer: return false
            default: return true
            }
        }
    }

    /// start -> device -> bring-up -> link -> DHCP -> applied -> probe OK.
    mutating func driveOnline(file: StaticString = #filePath, line: UInt = #line) {
        send(.start)
        send(.deviceAppeared("1-1 (2c7c:0700)"))
        send(.bringUpProgress(.configuring))
        send(.bringUpProgress(.registering))
        send(.registrationChanged(.home))
        send(.bringUpProgress(.startingDataCall))
        send(.bringUpFinished(interface: "eth2"))
        send(.carrierChanged(up: true))
        send(.leaseAcquired(Harness.lease))
        send(.networkConfigured)
        send(.probeFinished(.reachable(milliseconds: 40)))
        XCTAssertEqual(state, .online, file: file, line: line)
    }
}
