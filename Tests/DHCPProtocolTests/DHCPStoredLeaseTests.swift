import DHCPProtocol
import XCTest
import BG95Core

final class DHCPStoredLeaseTests: XCTestCase {
    func testRoundTrip() throws {
        let lease = DHCPLease(address: Fixtures.offered, prefixLength: 24, gateway: Fixtures.server, dnsServers: [Fixtures.server, IPv4Address(10, 0, 0, 1)],
                              domainName: nil, mtu: nil, leaseSeconds: 3600, serverIdentifier: Fixtures.server, acquiredAt: .seconds(5))
        let stored = DHCPStoredLease(lease: lease, acquiredUnixSeconds: 1_700_000_000)
        let back = try DHCPStoredLease(parsing: stored.text)
        XCTAssertEqual(back, stored)
        XCTAssertTrue(back.isValid(atUnixSeconds: 1_700_003_599))
        XCTAssertFalse(back.isValid(atUnixSeconds: 1_700_003_600))
    }

    func testRefusals() {
        XCTAssertThrowsError(try DHCPStoredLease(parsing: "address=1.2.3.4\nserver=1.2.3.1\n")) {
            XCTAssertEqual($0 as? DHCPStoredLease.ParseError, .unsupportedVersion(nil))
        }
        XCTAssertThrowsError(try DHCPStoredLease(parsing: "version=1\nserver=1.2.3.1\n")) {
            XCTAssertEqual($0 as? DHCPStoredLease.ParseError, .missing("address"))
        }
        XCTAssertThrowsError(try DHCPStoredLease(parsing: "version=1\naddress=1.2.3.400\nserver=1.2.3.1\n")) {
            XCTAssertEqual($0 as? DHCPStoredLease.ParseError, .badValue(key: "address", value: "1.2.3.400"))
        }
        XCTAssertThrowsError(try DHCPStoredLease(parsing: "version=1\naddress=1.2.3.4\nserver=1.2.3.1\nprefix=33\n"))
        XCTAssertThrowsError(try DHCPStoredLease(parsing: "version=1\naddress=1.2.3.4\nserver=1.2.3.1\nlease=-1\n"))
        XCTAssertThrowsError(try DHCPStoredLease(parsing: "version=1\ngarbage\n"))
    }
}
