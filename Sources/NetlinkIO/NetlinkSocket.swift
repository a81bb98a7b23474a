#if canImport(Glibc)
import Glibc
#endif
import BG95System
import CMnl

/// A NETLINK_ROUTE socket (libmnl) for requests that the kernel acknowledges, and for dumps.
///
/// The socket lives in the network namespace of the thread that creates it, and stays there;
/// every request on it acts on that namespace. Requests are synchronous: `send` then wait for
/// the ACK or the error (bounded by `receiveTimeout`, so a lost reply cannot hang the caller).
/// rtnetlink answers within microseconds, so this is fine on the daemon's queue.
///
/// Not thread-safe: use one socket from one queue.
public final class NetlinkSocket: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The socket's netlink port id (kernel-assigned).
    public let portID: UInt32
    private var sequence: UInt32
    private let receiveBuffer: UnsafeMutableRawPointer
    private let sendBuffer: UnsafeMutableRawPointer
    static let receiveBufferSize = 65536
    static let sendBufferSize = 4096

    /// Opens and binds a NETLINK_ROUTE socket.
    ///
    /// - Parameter receiveTimeoutMilliseconds: how long to wait for a reply before `.timeout`.
    public init(receiveTimeoutMilliseconds: Int = 5000) throws(NetlinkError) {
        guard let handle = mnl_socket_open(NETLINK_ROUTE) else {
            throw .system(.current("mnl_socket_open(NETLINK_ROUTE)"))
        }
        guard mnl_socket_bind(handle, 0, pid_t(MNL_SOCKET_AUTOPID)) == 0 else {
            let error = SystemError.current("mnl_socket_bind")
            mnl_socket_close(handle)
            throw .system(error)
        }
        self.handle = handle
        portID = mnl_socket_get_portid(handle)
        sequence = UInt32(truncatingIfNeeded: time(nil))
        receiveBuffer = .allocate(byteCount: Self.receiveBufferSize, alignment: 8)
        sendBuffer = .allocate(byteCount: Self.sendBufferSize, alignment: 8)

        let fd = mnl_socket_get_fd(handle)
        var timeout = timeval(tv_sec: receiveTimeoutMilliseconds / 1000, tv_usec: (receiveTimeoutMilliseconds % 1000) * 1000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // ACKs need not echo the whole request back.
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        mnl_socket_close(handle)
        receiveBuffer.deallocate()
        sendBuffer.deallocate()
    }

    /// The underlying file descriptor (for poll/Dispatch sources).
    public var fileDescriptor: Int32 { mnl_socket_get_fd(handle) }

    /// Sends one request with NLM_F_ACK and waits for the kernel's answer.
    ///
    /// - Parameters:
    ///   - description: names the request in errors.
    ///   - type: the message type (RTM_NEWROUTE, ...).
    ///   - flags: extra flags besides NLM_F_REQUEST | NLM_F_ACK (NLM_F_CREATE, ...).
    ///   - build: fills the family header and attributes.
    /// - Throws: `.kernel(errno:request:)` when the kernel refuses; `.timeout`, `.system`.
    public func request(
        _ description: String, type: Int, flags: Int32 = 0, build: (inout NetlinkMessageBuilder) throws(NetlinkError) -> Void
    ) throws(NetlinkError) {
        try exchange(description, type: type, flags: flags | NLM_F_ACK, dump: false, build: build) { _ throws(NetlinkError) in }
    }

    /// Like `request`, for GET requests: the reply messages before the ACK go to `body`.
    public func request(
        _ description: String, type: Int, flags: Int32 = 0, build: (inout NetlinkMessageBuilder) throws(NetlinkError) -> Void,
        each body: (NetlinkMessage) throws(NetlinkError) -> Void
    ) throws(NetlinkError) {
        try exchange(description, type: type, flags: flags | NLM_F_ACK, dump: false, build: build, each: body)
    }

    /// Sends a dump request (NLM_F_DUMP) and hands each reply message to `body`.
    ///
    /// The messages are only valid during the call of `body`. When the kernel marks the dump
    /// inconsistent (the table changed meanwhile, NLM_F_DUMP_INTR), `body` has seen every
    /// message and `.dumpInterrupted` is thrown at the end: start over to get a coherent view.
    public func dump(
        _ description: String, type: Int, build: (inout NetlinkMessageBuilder) throws(NetlinkError) -> Void,
        each body: (NetlinkMessage) throws(NetlinkError) -> Void
    ) throws(NetlinkError) {
        try exchange(description, type: type, flags: NLM_F_DUMP, dump: true, build: build, each: body)
    }

    private func exchange(
        _ description: String, type: Int, flags: Int32, dump: Bool,
        build: (inout NetlinkMessageBuilder) throws(NetlinkError) -> Void,
        each body: (NetlinkMessage) throws(NetlinkError) -> Void
    ) throws(NetlinkError) {
        memset(sendBuffer, 0, Self.sendBufferSize)
        let header = mnl_nlmsg_put_header(sendBuffer)!
        header.pointee.nlmsg_type = UInt16(truncatingIfNeeded: type)
        header.pointee.nlmsg_flags = UInt16(truncatingIfNeeded: NLM_F_REQUEST | flags)
        sequence &+= 1
        header.pointee.nlmsg_seq = sequence
        var builder = NetlinkMessageBuilder(header: header, capacity: Self.sendBufferSize)
        try build(&builder)
        if let overflow = builder.overflow { throw .invalidRequest("\(description): \(overflow)") }

        let length = Int(header.pointee.nlmsg_len)
        while mnl_socket_sendto(handle, sendBuffer, length) < 0 {
            if Glibc.errno == EINTR { continue }
            throw .system(.current("sendto(netlink: \(description))"))
        }
        try receiveReplies(description, sequence: sequence, dump: dump, each: body)
    }

    private func receiveReplies(
        _ description: String, sequence: UInt32, dump: Bool, each body: (NetlinkMessage) throws(NetlinkError) -> Void
    ) throws(NetlinkError) {
        var interrupted = false
        while true {
            let received = mnl_socket_recvfrom(handle, receiveBuffer, Self.receiveBufferSize)
            if received < 0 {
                let code = Glibc.errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { throw .timeout(request: description) }
                throw .system(SystemError(code: code, call: "recvfrom(netlink: \(description))"))
            }
            var remaining = Int32(received)
            var message = UnsafeMutableRawPointer(receiveBuffer).assumingMemoryBound(to: nlmsghdr.self)
            while bg95_nlmsg_ok(message, remaining) {
                defer { message = mnl_nlmsg_next(message, &remaining)! }
                // Replies to earlier requests that timed out are skipped, not misread.
                guard message.pointee.nlmsg_seq == sequence, mnl_nlmsg_portid_ok(message, portID) else { continue }
                if Int32(message.pointee.nlmsg_flags) & NLM_F_DUMP_INTR != 0 { interrupted = true }
                switch Int32(message.pointee.nlmsg_type) {
                case NLMSG_ERROR:
                    guard bg95_nlmsg_has_header(message, MemoryLayout<Int32>.size) != 0 else {
                        throw .malformedReply(request: description, reason: "short NLMSG_ERROR")
                    }
                    let code = mnl_nlmsg_get_payload(message)!.load(as: Int32.self)
                    if code != 0 { throw .kernel(errno: -code, request: description) }
                    if !dump { return }
                case NLMSG_DONE:
                    // A dump may end with an errno in the DONE message.
                    if bg95_nlmsg_has_header(message, MemoryLayout<Int32>.size) != 0 {
                        let code = mnl_nlmsg_get_payload(message)!.load(as: Int32.self)
                        if code < 0 { throw .kernel(errno: -code, request: description) }
                    }
                    if interrupted { throw .dumpInterrupted(request: description) }
                    return
                case NLMSG_NOOP, NLMSG_OVERRUN:
                    continue
                default:
                    try body(NetlinkMessage(header: UnsafePointer(message)))
                }
            }
        }
    }
}
