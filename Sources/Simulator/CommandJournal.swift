/// The AT command lines the module received, numbered in arrival order with the instant each
/// arrived, and the `await-command` requests waiting for one.
///
/// It lets a harness time the host's reaction to something the simulator did without a race:
/// `urc` answers with the number of commands received so far, and `await-command <after>`
/// answers with the first later command starting with a prefix, whether it arrived before the
/// request or after it. Pure: the caller supplies instants and delivers the answers.
struct CommandJournal {
    struct Entry: Equatable {
        /// 1 for the first command the module received, then one more for each.
        let number: Int
        /// When it arrived (the caller's clock, e.g. CLOCK_MONOTONIC nanoseconds).
        let nanoseconds: UInt64
        /// The line as received (the verbose log's redaction applied).
        let line: String
    }

    struct Waiter: Equatable {
        let id: Int
        let after: Int
        let prefix: String
    }

    enum Lookup: Equatable {
        /// A matching command arrived already.
        case found(Entry)
        /// None yet: the waiter is kept until a matching command arrives or it is cancelled.
        case waiting
        /// Commands after `after` were already dropped from the journal (it keeps `capacity`).
        case forgotten
    }

    /// How many commands are kept; older ones are dropped (a harness asks about the last few).
    let capacity: Int
    /// Commands received so far (also those already dropped).
    private(set) var count = 0
    private(set) var entries: [Entry] = []
    private(set) var waiters: [Waiter] = []

    init(capacity: Int = 256) {
        self.capacity = max(1, capacity)
    }

    /// Records one received line; returns the waiters it satisfies (removed from the journal).
    mutating func record(_ line: String, at nanoseconds: UInt64) -> [(waiter: Waiter, entry: Entry)] {
        count += 1
        let entry = Entry(number: count, nanoseconds: nanoseconds, line: line)
        entries.append(entry)
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
        let satisfied = waiters.filter { entry.number > $0.after && Self.matches(line, $0.prefix) }
        waiters.removeAll { waiter in satisfied.contains { $0.id == waiter.id } }
        return satisfied.map { ($0, entry) }
    }

    /// The first command numbered above `after` that starts with `prefix` (ASCII case ignored,
    /// as the module does), or a kept waiter with `id` when none has arrived yet.
    mutating func lookup(after: Int, prefix: String, id: Int) -> Lookup {
        if let oldest = entries.first, after + 1 < oldest.number { return .forgotten }
        if let entry = entries.first(where: { $0.number > after && Self.matches($0.line, prefix) }) {
            return .found(entry)
        }
        waiters.append(Waiter(id: id, after: after, prefix: prefix))
        return .waiting
    }

    /// Drops a waiter (its request timed out); false when it was answered already.
    mutating func cancel(id: Int) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return false }
        waiters.remove(at: index)
        return true
    }

    static func matches(_ line: String, _ prefix: String) -> Bool {
        line.uppercased().hasPrefix(prefix.uppercased())
    }
}
