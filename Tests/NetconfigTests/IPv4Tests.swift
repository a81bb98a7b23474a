import Netconfig
import XCTest

final class IPv4Tests: XCTestCase {
    func testParsesStrictDottedQuadOnly() {
        XCTAssertEqual(IPv4("192.168.225.20"), IPv4(192, 168, 225, 20))
        XCTAssertEqual(IPv4("0.0.0.0"), .any)
        XCTAssertEqual(IPv4("255.255.255.255"), .broadcast)
        for bad in ["", "1.2.3", "1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1..3.4", " 1.2.3.4", "1.2.3.4\n",
                    "+1.2.3.4", "1.2.3.-4", "1.2.3.4/24", "1234.1.1.1", "a.b.c.d", "1.2.3.", ".1.2.3"] {
            XCTAssertNil(IPv4(bad), bad.debugDescription)
        }
    }

    func testRendersAndConvertsOctets() {
        let address = IPv4(rawValue: 0xC0A8_E114)
        XCTAssertEqual(address.description, "192.168.225.20")
        XCTAssertEqual(address.octets, [192, 168, 225, 20])
        XCTAssertEqual(IPv4(octets: [192, 168, 225, 20]), address)
        XCTAssertNil(IPv4(octets: [1, 2, 3]))
    }

    func testSubnetArithmetic() {
        let address = IPv4(192, 168, 225, 20)
        XCTAssertEqual(IPv4.netmask(prefixLength: 24), IPv4(255, 255, 255, 0))
        XCTAssertEqual(IPv4.netmask(prefixLength: 0), .any)
        XCTAssertEqual(IPv4.netmask(prefixLength: 40), .broadcast)
        XCTAssertEqual(address.network(prefixLength: 24), IPv4(192, 168, 225, 0))
        XCTAssertTrue(address.sharesSubnet(with: IPv4(192, 168, 225, 1), prefixLength: 24))
        XCTAssertFalse(address.sharesSubnet(with: IPv4(192, 168, 224, 1), prefixLength: 24))
    }

    func testClassifiesUnusableAddresses() {
        XCTAssertTrue(IPv4(192, 168, 225, 1).isUnicast)
        for bad in [IPv4.any, IPv4(0, 1, 2, 3), IPv4(127, 0, 0, 1), IPv4(224, 0, 0, 1), IPv4(240, 0, 0, 1), IPv4.broadcast] {
            XCTAssertFalse(bad.isUnicast, "\(bad)")
        }
    }
}
