import Foundation
import TestSupport
import XCTest

/// Anyone on the link can send DHCP replies; a flood of foreign ones must not fill the log
/// (issue 12, "bounded logs"): the client logs a few drops per interval and then one summary
/// line with the count, and keeps its lease.
final class DHCPDropFloodTests: XCTestCase {
    func testFloodOfForeignRepliesLogsABoundedNumberOfLines() throws {
        let rig = try DHCPRig()
        defer { rig.close() }
        try rig.startServer()
        let client = try rig.startClient(["--hold", "--verbose"])
        defer { client.signal(SIGTERM); _ = try? client.waitForExit(timeout: 10) }
        _ = try client.waitForLine(containing: "\"bound\"")
        // 3000 BOOTREPLYs with a wrong xid to the broadcast address, port 68.
        let flood = """
            import socket, struct, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, sys.argv[1].encode())
            s.bind(("192.168.225.1", 0))
            count = int(sys.argv[2])
            for i in range(count):
                packet = struct.pack("!BBBBI", 2, 1, 6, 0, 0xBAD00000 + i) + bytes(228) + bytes([99, 130, 83, 99, 53, 1, 5, 255])
                s.sendto(packet, ("255.255.255.255", 68))
            """
        let script = rig.directory + "/flood.py"
        try flood.write(toFile: script, atomically: true, encoding: .utf8)
        try Command.check(["ip", "netns", "exec", rig.serverNamespace, "/usr/bin/python3", script, rig.serverInterface, "3000"])
        _ = try client.waitForLine(containing: "ignoring packet (", onStderr: true)
        // The summary comes with the first event after the 10 s interval: one more packet.
        var summary: String?
        let deadline = Date().addingTimeInterval(30)
        while summary == nil && Date() < deadline {
            try Command.check(["ip", "netns", "exec", rig.serverNamespace, "/usr/bin/python3", script, rig.serverInterface, "1"])
            summary = client.errors.first { $0.contains("dhcp drops:") && $0.contains("suppressed") }
            if summary == nil { Thread.sleep(forTimeInterval: 0.5) }  // polls; the interval is 10 s
        }
        let drops = client.errors.filter { $0.contains("ignoring packet") }
        XCTAssertNotNil(summary, "no summary line; stderr has \(client.errors.count) lines")
        XCTAssertLessThanOrEqual(drops.count, 12, "\(drops.count) drop lines logged for 3000 foreign packets")
        print("dhcp drop flood: 3000 foreign replies -> \(drops.count) drop lines + \(summary ?? "no summary")")
        XCTAssertFalse(client.output.contains { $0.contains("\"lost\"") || $0.contains("\"expired\"") }, "\(client.output)")
    }
}
