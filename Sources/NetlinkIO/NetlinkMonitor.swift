#if canImport(Glibc)
import Glibc
#endif
import BG95System
import CMnl
import Dispatch
import Netconfig

/// Subscribes to RTNLGRP_LINK and RTNLGRP_IPV4_IFADDR and delivers typed events on a queue.
///
/// The subscription socket is read by a DispatchSource on `queue` (the daemon's serial queue),
/// so `handler` runs there and never concurrently. `start()` subscribes before it reads the
/// current links, so nothing that happens in between is missed; it then reports every existing
/// link as `.link(.appeared)`. Link messages go through a `LinkTracker`, so only real changes
/// are reported. A malformed message is skipped. Both sockets belong to the network namespace
/// of the thread that calls `init`.
public final class NetlinkMonitor: @unchecked Sendable {
    private let queue: DispatchQueue
    private let handler: @Sendable (NetlinkEvent) -> Void
    private let subscription: OpaquePointer
    private let requests: NetlinkSocket
    private var source: DispatchSourceRead?
    private var tracker = LinkTracker()
    private let buffer: UnsafeMutableRawPointer
    private static let bufferSize = 65536
    /// Messages dropped because they could not be parsed (for diagnostics).
    public private(set) var malformedMessages = 0

    /// Opens the sockets; nothing is delivered before `start()`.
    ///
    /// - Parameter receiveBufferSize: the subscription socket's SO_RCVBUF; the default (1 MiB)
    ///   absorbs hot-plug bursts. Tests make it tiny to provoke `.overrun`.
    public init(
        queue: DispatchQueue, receiveBufferSize: Int32 = 1 << 20, handler: @escaping @Sendable (NetlinkEvent) -> Void
    ) throws(NetlinkError) {
        guard let subscription = mnl_socket_open(NETLINK_ROUTE) else {
            throw .system(.current("mnl_socket_open(NETLINK_ROUTE)"))
        }
        guard mnl_socket_bind(subscription, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = SystemError.current("mnl_socket_bind")
            mnl_socket_close(subscription)
            throw .system(error)
        }
        let fd = mnl_socket_get_fd(subscription)
        for group in [Int32(RTNLGRP_LINK.rawValue), Int32(RTNLGRP_IPV4_IFADDR.rawValue)] {
            var value = group
            if mnl_socket_setsockopt(subscription, NETLINK_ADD_MEMBERSHIP, &value, socklen_t(MemoryLayout<Int32>.size)) < 0 {
                let error = SystemError.current("setsockopt(NETLINK_ADD_MEMBERSHIP \(group))")
                mnl_socket_close(subscription)
                throw .system(error)
            }
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        // A bigger receive buffer makes overruns during bursts (hot-plug) less likely.
        var size = receiveBufferSize
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        do {
            requests = try NetlinkSocket()
        } catch {
            mnl_socket_close(subscription)
            throw error
        }
        self.subscription = subscription
        self.queue = queue
        self.handler = handler
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 8)
    }

    deinit {
        source?.cancel()
        if source == nil { mnl_socket_close(subscription) }
        buffer.deallocate()
    }

    /// The last known state of every link, by index (read on `queue`).
    public var links: [Int32: LinkStatus] { tracker.links }

    /// Starts delivering: first the current links, then changes as they happen. Call once, on `queue`.
    public func start() {
        let source = DispatchSource.makeReadSource(fileDescriptor: mnl_socket_get_fd(subscription), queue: queue)
        let subscription = self.subscription
        source.setEventHandler { [weak self] in self?.drain() }
        source.setCancelHandler { mnl_socket_close(subscription) }
        self.source = source
        resynchronize(reportOverrun: false)
        source.resume()
    }

    /// Stops delivering and closes the subscription socket. Call on `queue`.
    public func cancel() {
        source?.cancel()
    }

    private func resynchronize(reportOverrun: Bool) {
        let dump = (try? LinkController(socket: requests).links()) ?? []
        for event in tracker.resynchronize(with: dump) { handler(.link(event)) }
        if reportOverrun { handler(.overrun) }
    }

    private func drain() {
        while true {
            let received = recv(mnl_socket_get_fd(subscription), buffer, Self.bufferSize, 0)
            if received < 0 {
                switch Glibc.errno {
                case EINTR: continue
                case ENOBUFS: resynchronize(reportOverrun: true); continue
                default: return  // EAGAIN: drained
                }
            }
            if received == 0 { return }
            var remaining = Int32(received)
            var message = buffer.assumingMemoryBound(to: nlmsghdr.self)
            while bg95_nlmsg_ok(message, remaining) {
                dispatch(NetlinkMessage(header: UnsafePointer(message)))
                message = mnl_nlmsg_next(message, &remaining)!
            }
        }
    }

    private func dispatch(_ message: NetlinkMessage) {
        switch message.type {
        case Int(RTM_NEWLINK):
            guard let status = RtnetlinkCodec.linkStatus(message) else { malformedMessages += 1; return }
            for event in tracker.update(status) { handler(.link(event)) }
        case Int(RTM_DELLINK):
            guard let status = RtnetlinkCodec.linkStatus(message) else { malformedMessages += 1; return }
            for event in tracker.remove(status) { handler(.link(event)) }
        case Int(RTM_NEWADDR):
            guard let (address, tag) = RtnetlinkCodec.address(message) else { return }  // not IPv4
            handler(.addressAdded(address, protocolTag: tag))
        case Int(RTM_DELADDR):
            guard let (address, tag) = RtnetlinkCodec.address(message) else { return }
            handler(.addressRemoved(address, protocolTag: tag))
        default:
            return
        }
    }
}
