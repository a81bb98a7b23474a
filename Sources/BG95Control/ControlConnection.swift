#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import BG95System

/// One client connection of `ControlServer`: line framing, limits, timers and the output queue.
/// Lives on the server's queue.
final class ControlConnection: @unchecked Sendable {
    let fd: Int32
    let peer: PeerCredentials
    /// The peer's rank for admission (`ControlAdmission`).
    let rank: ControlAdmission.Rank
    /// Order of acceptance, also the connection's id for eviction.
    let sequence: UInt64
    private let acceptedAt = DispatchTime.now()
    /// Complete request lines received so far.
    private var requestsReceived = 0
    private unowned let server: ControlServer
    private let queue: DispatchQueue
    private var readSource: DispatchSourceRead?
    private var writeSource: DispatchSourceWrite?
    private var writeSourceActive = false
    /// The connection's one deadline (first request, partial line, idle, refused client).
    private let timers: OneShotTimers<ConnectionTimer>
    private enum ConnectionTimer: Hashable, Sendable { case deadline }
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var partialSince: DispatchTime?
    private var lastActivity = DispatchTime.now()
    private var closeAfterFlush = false
    private var readSuspended = false
    private(set) var closed = false
    private(set) var subscribed = false
    private(set) var wantsURCs = false
    var pendingReplies = 0 { didSet { rearmTimer() } }

    init(fd: Int32, peer: PeerCredentials, rank: ControlAdmission.Rank, sequence: UInt64, server: ControlServer, queue: DispatchQueue) {
        self.fd = fd
        self.peer = peer
        self.rank = rank
        self.sequence = sequence
        self.server = server
        self.queue = queue
        self.timers = OneShotTimers(queue: queue)
    }

    func start() {
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        read.setEventHandler { [weak self] in self?.readAvailable() }
        let write = DispatchSource.makeWriteSource(fileDescriptor: fd, queue: queue)
        write.setEventHandler { [weak self] in self?.flush() }
        // The descriptor is closed only once both sources are gone for good (libdispatch
        // must not be left watching a closed, possibly reused, descriptor).
        let closer = DescriptorCloser(fd: fd, sources: 2)
        read.setCancelHandler { closer.sourceCancelled() }
        write.setCancelHandler { closer.sourceCancelled() }
        readSource = read
        writeSource = write
        read.resume()
        rearmTimer()
    }

    /// No complete request yet (idle or trickling its first line): may be evicted for room.
    var isFresh: Bool { !closed && requestsReceived == 0 && pendingReplies == 0 && !subscribed }

    /// Closes a fresh connection to make room, telling it why (best effort, never blocks).
    func evict(reason: String) {
        var line = ControlMessage.response(ControlResponse(id: nil, command: nil, outcome: .failure(ControlFailure(.busy, "socket full; connection closed before its first request")))).encoded()
        line.append(UInt8(ascii: "\n"))
        _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        close(reason: reason)
    }

    func subscribe(urcs: Bool) {
        subscribed = true
        wantsURCs = wantsURCs || urcs
        rearmTimer()
    }

    /// Queues a response line.
    func respond(_ response: ControlResponse) {
        enqueue(ControlMessage.response(response).encoded())
    }

    /// Queues one line (newline added) and writes what the socket takes now.
    func enqueue(_ line: [UInt8]) {
        guard !closed else { return }
        output.append(contentsOf: line)
        output.append(UInt8(ascii: "\n"))
        if output.count > server.configuration.maxQueuedBytes {
            close(reason: "client not reading (\(output.count) bytes queued); dropped")
            return
        }
        flush()
    }

    func close(reason: String? = nil) {
        guard !closed else { return }
        closed = true
        // A suspended source must be resumed before it can be cancelled and released.
        if readSuspended { readSource?.resume() }
        readSource?.cancel()
        timers.cancelAll()
        if let writeSource {
            // A suspended source must be resumed before it can be cancelled and released.
            if !writeSourceActive { writeSource.resume() }
            writeSource.cancel()
        }
        readSource = nil
        writeSource = nil
        server.connectionClosed(self, reason: reason)
    }

    // MARK: - Reading

    private func readAvailable() {
        guard !closed else { return }
        var buffer = [UInt8](repeating: 0, count: 4096)
        // At most 16 reads per wake-up: a client that never stops sending cannot starve the
        // daemon's queue (the source fires again for the rest).
        var reads = 0
        while !closed && !closeAfterFlush && reads < 16 {
            reads += 1
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                lastActivity = .now()
                input.append(contentsOf: buffer[0..<count])
                processInput()
            } else if count == 0 {
                // Orderly shutdown by the client: answer what is in flight only if still possible.
                close(reason: nil)
                return
            } else {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { break }
                close(reason: SystemError(code: code, call: "recv").description)
                return
            }
        }
        rearmTimer()
    }

    private func processInput() {
        let limit = controlMaxRequestBytes
        while let newline = input.firstIndex(of: UInt8(ascii: "\n")) {
            if newline + 1 > limit {
                refuse(.requestTooLarge, "request line longer than \(limit) bytes")
                return
            }
            var line = input[..<newline]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let isBlank = line.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            let copy = ArraySlice(Array(line))
            input.removeSubrange(...newline)
            partialSince = nil
            if !isBlank {
                requestsReceived += 1
                server.receive(line: copy, from: self)
            }
            if closed { return }
        }
        if input.count >= limit {
            refuse(.requestTooLarge, "request line longer than \(limit) bytes")
            return
        }
        if input.isEmpty {
            partialSince = nil
        } else if partialSince == nil {
            partialSince = .now()
        }
    }

    /// Sends an error without id and closes once it is written (or dropped).
    private func refuse(_ code: ControlFailure.Code, _ message: String) {
        input.removeAll()
        partialSince = nil
        respond(ControlResponse(id: nil, command: nil, outcome: .failure(ControlFailure(code, message))))
        closeAfterFlush = true
        readSuspended = true
        readSource?.suspend()
        flush()
        if !closed { rearmTimer() }
    }

    // MARK: - Writing

    private func flush() {
        guard !closed else { return }
        while !output.isEmpty {
            let count = output.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                output.removeFirst(count)
            } else {
                let code = errno
                if count < 0 && code == EINTR { continue }
                if count < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                    if !writeSourceActive, let writeSource {
                        writeSourceActive = true
                        writeSource.resume()
                    }
                    return
                }
                close(reason: count < 0 ? SystemError(code: code, call: "send").description : "send returned 0")
                return
            }
        }
        if writeSourceActive, let writeSource {
            writeSourceActive = false
            writeSource.suspend()
        }
        if closeAfterFlush {
            close(reason: "refused after a protocol violation")
        }
    }

    // MARK: - Timers

    /// Before its first request a connection gets the shorter of the first-request and the
    /// idle timeout.
    private var firstRequestDeadline: DispatchTime {
        let configuration = server.configuration
        return acceptedAt + .milliseconds(min(configuration.firstRequestTimeoutMilliseconds, configuration.idleTimeoutMilliseconds))
    }

    private func rearmTimer() {
        guard readSource != nil, !closed else { return }
        let configuration = server.configuration
        let deadline: DispatchTime
        if closeAfterFlush {
            // Give a refused client a moment to read its error, then drop it regardless.
            deadline = .now() + .milliseconds(1_000)
        } else if requestsReceived == 0 {
            deadline = min(firstRequestDeadline, partialSince.map { $0 + .milliseconds(configuration.requestTimeoutMilliseconds) } ?? .distantFuture)
        } else if let partialSince {
            deadline = partialSince + .milliseconds(configuration.requestTimeoutMilliseconds)
        } else if subscribed || pendingReplies > 0 {
            deadline = .distantFuture
        } else {
            deadline = lastActivity + .milliseconds(configuration.idleTimeoutMilliseconds)
        }
        guard deadline != .distantFuture else {
            timers.cancel(.deadline)  // waiting on the daemon or subscribed: no deadline
            return
        }
        let now = DispatchTime.now()
        let delay: Duration = deadline > now ? .nanoseconds(Int64(clamping: deadline.uptimeNanoseconds - now.uptimeNanoseconds)) : .zero
        timers.start(.deadline, after: delay, leeway: .milliseconds(50)) { [weak self] _ in self?.timerFired() }
    }

    private func timerFired() {
        guard !closed else { return }
        let now = DispatchTime.now()
        if closeAfterFlush {
            close(reason: "refused client did not read its error")
        } else if requestsReceived == 0, let partialSince,
                  now >= min(firstRequestDeadline, partialSince + .milliseconds(server.configuration.requestTimeoutMilliseconds)) {
            refuse(.timeout, "request line not completed in time")
        } else if requestsReceived == 0, partialSince == nil, now >= firstRequestDeadline {
            close(reason: "no request after connecting")
        } else if requestsReceived == 0 {
            rearmTimer()
        } else if let partialSince, now >= partialSince + .milliseconds(server.configuration.requestTimeoutMilliseconds) {
            refuse(.timeout, "request line not completed within \(server.configuration.requestTimeoutMilliseconds) ms")
        } else if partialSince == nil, !subscribed, pendingReplies == 0,
                  now >= lastActivity + .milliseconds(server.configuration.idleTimeoutMilliseconds) {
            close(reason: "idle")
        } else {
            rearmTimer()
        }
    }
}

/// Closes a descriptor after the last of its dispatch sources has been cancelled.
/// Cancel handlers run on the connection's serial queue, so the count needs no lock.
private final class DescriptorCloser: @unchecked Sendable {
    private let fd: Int32
    private var remaining: Int

    init(fd: Int32, sources: Int) {
        self.fd = fd
        self.remaining = sources
    }

    func sourceCancelled() {
        remaining -= 1
        if remaining == 0 { Glibc.close(fd) }
    }
}
