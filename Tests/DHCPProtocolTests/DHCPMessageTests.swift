import DHCPProtocol
import XCTest
import BG95Core

final class DHCPMessageTests: XCTestCase {
    func testParsesDnsmasqAck() throws {
        let m = try DHCPMessage(parsing: Fixtures.ack(xid: 0x1234_5678))
        XCTAssertEqual(m.operation, .reply)
        XCTAssertEqual(m.transactionID, 0x1234_5678)
        XCTAssertEqual(m.messageType, .ack)
        XCTAssertEqual(m.yourAddress, Fixtures.offered)
        XCTAssertEqual(m.serverIdentifier, Fixtures.server)
        XCTAssertEqual(m.leaseTime, 3600)
        XCTAssertEqual(m.renewalTime, 1800)
        XCTAssertEqual(m.rebindingTime, 3150)
        XCTAssertEqual(m.subnetMask, IPv4Address(255, 255, 255, 0))
        XCTAssertEqual(m.routers, [Fixtures.server])
        XCTAssertEqual(m.domainNameServers, [Fixtures.server])
        XCTAssertEqual(m.domainName, "bg95.test")
        XCTAssertEqual(m.hardwareAddress, Fixtures.mac)
        XCTAssertFalse(m.rapidCommit)
        let lease = try XCTUnwrap(DHCPLease(ack: m, acquiredAt: .seconds(10)))
        XCTAssertEqual(lease.prefixLength, 24)
        XCTAssertEqual(lease.gateway, Fixtures.server)
        XCTAssertEqual(lease.renewAt, .seconds(1810))
        XCTAssertEqual(lease.expiresAt, .seconds(3610))
    }

    func testRoundTrip() throws {
        var m = DHCPMessage(operation: .request, transactionID: 7, hardwareAddress: Fixtures.mac)
        m.messageType = .discover
        m.rapidCommit = true
        m.requestedAddress = Fixtures.offered
        m.options[DHCPOptionCode.parameterRequestList] = [1, 3, 6]
        m.options[DHCPOptionCode.hostName] = Array(repeating: 0x61, count: 300)  // split into two chunks
        let bytes = m.encoded()
        XCTAssertGreaterThanOrEqual(bytes.count, 300)
        let back = try DHCPMessage(parsing: bytes)
        XCTAssertEqual(back, m)
        XCTAssertTrue(back.rapidCommit)
    }

    func testTruncatedAtEveryLength() {
        let good = Fixtures.ack(xid: 1)
        for n in 0..<good.count {
            // Never crashes; either a clean refusal or (past the cookie) a parse of what is there.
            let prefix = Array(good.prefix(n))
            if n < 240 {
                XCTAssertThrowsError(try DHCPMessage(parsing: prefix)) { XCTAssertEqual($0 as? DHCPParseError, .truncated(length: n)) }
            } else {
                _ = try? DHCPMessage(parsing: prefix)
            }
        }
    }

    func testOptionWithoutLengthByte() {
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 5, 51])
        XCTAssertThrowsError(try DHCPMessage(parsing: bytes)) { XCTAssertEqual($0 as? DHCPParseError, .truncatedOption(code: 51)) }
    }

    func testOptionLengthOverrun() {
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 5, 6, 200, 1, 2, 3, 4])
        XCTAssertThrowsError(try DHCPMessage(parsing: bytes)) {
            XCTAssertEqual($0 as? DHCPParseError, .optionOverrun(code: 6, length: 200, available: 4))
        }
    }

    func testFixedWidthOptionsDemandExactSizes() {
        for (code, data) in [(UInt8(51), [UInt8](repeating: 0, count: 3)), (54, [1, 2, 3, 4, 5]), (53, [1, 2]), (1, [255]),
                             (3, [1, 2, 3]), (26, [5]), (80, [1]), (58, []), (61, [1])] {
            let bytes = Fixtures.reply(xid: 1, options: [code, UInt8(data.count)] + data + [255])
            XCTAssertThrowsError(try DHCPMessage(parsing: bytes), "option \(code)") {
                XCTAssertEqual($0 as? DHCPParseError, .badOptionLength(code: code, length: data.count))
            }
        }
    }

    func testRepeatedOptionsConcatenate() throws {
        let bytes = Fixtures.reply(xid: 1, options: [6, 4, 10, 0, 0, 1, 53, 1, 5, 6, 4, 10, 0, 0, 2, 255])
        XCTAssertEqual(try DHCPMessage(parsing: bytes).domainNameServers, [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2)])
    }

    func testPadOnlyAndMissingEndAreAccepted() throws {
        let bytes = Fixtures.reply(xid: 1, options: [0, 0, 0, 53, 1, 2, 0])
        XCTAssertEqual(try DHCPMessage(parsing: bytes).messageType, .offer)
    }

    func testDataAfterEndIsIgnored() throws {
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 2, 255, 6, 200])
        XCTAssertEqual(try DHCPMessage(parsing: bytes).messageType, .offer)
    }

    func testOverloadReadsFileThenSname() throws {
        let file: [UInt8] = [54, 4] + Fixtures.server.bytes + [6, 4, 10, 0, 0, 9, 255]
        let sname: [UInt8] = [51, 4, 0, 0, 0x0E, 0x10, 255]
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 5, 52, 1, 3, 6, 4, 10, 0, 0, 8, 255], sname: sname, file: file)
        let m = try DHCPMessage(parsing: bytes)
        XCTAssertEqual(m.serverIdentifier, Fixtures.server)
        XCTAssertEqual(m.leaseTime, 3600)
        XCTAssertEqual(m.domainNameServers, [IPv4Address(10, 0, 0, 8), IPv4Address(10, 0, 0, 9)])
    }

    func testOverloadLoopIsNotFollowed() throws {
        // The file area claims overload again (pointing at sname, which holds a bad option):
        // we walk each area once and never follow a nested 52.
        let file: [UInt8] = [52, 1, 2, 255]
        let sname: [UInt8] = [51, 200]
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 5, 52, 1, 1, 255], sname: sname, file: file)
        let m = try DHCPMessage(parsing: bytes)
        XCTAssertEqual(m.options[DHCPOptionCode.overload], [1])
        XCTAssertNil(m.leaseTime)
    }

    func testBadOverloadValueIsRefused() {
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 5, 52, 1, 7, 255])
        XCTAssertThrowsError(try DHCPMessage(parsing: bytes)) { XCTAssertEqual($0 as? DHCPParseError, .badOverload(7)) }
    }

    func testOverloadedAreaOverrunIsRefused() {
        let file: [UInt8] = Array(repeating: 0, count: 126) + [6, 10]
        let bytes = Fixtures.reply(xid: 1, options: [53, 1, 5, 52, 1, 1, 255], file: file)
        XCTAssertThrowsError(try DHCPMessage(parsing: bytes)) {
            XCTAssertEqual($0 as? DHCPParseError, .optionOverrun(code: 6, length: 10, available: 0))
        }
    }

    func testBadCookieOpAndHlen() {
        var bytes = Fixtures.ack(xid: 1)
        bytes[236] = 0
        XCTAssertThrowsError(try DHCPMessage(parsing: bytes)) { XCTAssertEqual($0 as? DHCPParseError, .badMagicCookie) }
        bytes = Fixtures.ack(xid: 1)
        bytes[0] = 3
        XCTAssertThrowsError(try DHCPMessage(parsing: bytes)) { XCTAssertEqual($0 as? DHCPParseError, .badOperation(3)) }
        bytes = Fixtures.ack(xid: 1)
        bytes[2] = 17
        XCTAssertThrowsError(try DHCPMessage(parsing: bytes)) { XCTAssertEqual($0 as? DHCPParseError, .badHardwareLength(17)) }
    }

    func testEveryByteFlipNeverCrashes() {
        let good = Fixtures.ack(xid: 1)
        for i in good.indices {
            for v: UInt8 in [0, 1, 52, 255] {
                var b = good
                b[i] = v
                _ = try? DHCPMessage(parsing: b)
            }
        }
    }

    func testLeaseRefusesUnsafeValues() throws {
        var opts: [UInt8] = [53, 1, 5, 54, 4] + Fixtures.server.bytes + [51, 4, 0, 0, 0, 120]
        opts += [15, 12] + Array("evil\nnamese".utf8) + [0] + [26, 2, 0, 10] + [255]
        let m = try DHCPMessage(parsing: Fixtures.reply(xid: 1, options: opts))
        let lease = try XCTUnwrap(DHCPLease(ack: m, acquiredAt: .seconds(0)))
        XCTAssertNil(lease.domainName)
        XCTAssertNil(lease.mtu)
        XCTAssertEqual(lease.prefixLength, 24)  // classful default for 192.168/16
        XCTAssertEqual(lease.renewalSeconds, 60)
        XCTAssertEqual(lease.rebindingSeconds, 105)
        let noMask = try DHCPMessage(parsing: Fixtures.reply(xid: 1, options: [53, 1, 5, 1, 4, 255, 0, 255, 0, 51, 4, 0, 0, 0, 9, 54, 4] + Fixtures.server.bytes + [255]))
        XCTAssertNil(DHCPLease(ack: noMask, acquiredAt: .seconds(0)))
        XCTAssertEqual(DHCPLease.rejection(of: noMask), "non-contiguous netmask 255.0.255.0")
    }
}
