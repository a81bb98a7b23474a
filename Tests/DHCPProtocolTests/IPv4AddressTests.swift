import DHCPProtocol
import XCTest
import BG95Core

final class IPv4AddressTests: XCTestCase {
    func testParsesStrictDottedQuadOnly() {
        XCTAssertEqual(IPv4Address("192.168.225.20"), IPv4Address(192, 168, 225, 20))
        XCTAssertEqual(IPv4Address("10.0.0.255"), IPv4Address(10, 0, 0, 255))
        XCTAssertEqual(IPv4Address("0.0.0.0"), .any)
        XCTAssertEqual(IPv4Address("255.255.255.255"), .broadcast)
        for bad in ["", "1.2.3", "1.2.3.4.5", "1.2.3.256", "256.1.1.1", "01.2.3.4", "1.2.3.0004", "1..3.4", "1..2.3",
                    " 1.2.3.4", "1.2.3.4\n", "+1.2.3.4", "1.2.3.-4", "1.2.3.4/24", "1234.1.1.1", "a.b.c.d", "1.2.3.", ".1.2.3"] {
            XCTAssertNil(IPv4Address(bad), bad.debugDescription)
        }
    }

    func testRendersAndConvertsBytes() {
        let address = IPv4Address(0xC0A8_E114)
        XCTAssertEqual(address.description, "192.168.225.20")
        XCTAssertEqual(address.bytes, [192, 168, 225, 20])
        XCTAssertEqual(IPv4Address(bytes: [192, 168, 225, 20]), address)
        XCTAssertNil(IPv4Address(bytes: [1, 2, 3]))
    }

    func testSubnetArithmetic() {
        let address = IPv4Address(192, 168, 225, 20)
        XCTAssertEqual(IPv4Address.netmask(prefixLength: 24), IPv4Address(255, 255, 255, 0))
        XCTAssertEqual(IPv4Address.netmask(prefixLength: 0), .any)
        XCTAssertEqual(IPv4Address.netmask(prefixLength: 40), .broadcast)
        XCTAssertEqual(address.network(prefixLength: 24), IPv4Address(192, 168, 225, 0))
        XCTAssertEqual(address.subnetBroadcast(prefixLength: 24), IPv4Address(192, 168, 225, 255))
        XCTAssertEqual(address.subnetBroadcast(prefixLength: 32), address)
        XCTAssertTrue(address.sharesSubnet(with: IPv4Address(192, 168, 225, 1), prefixLength: 24))
        XCTAssertFalse(address.sharesSubnet(with: IPv4Address(192, 168, 224, 1), prefixLength: 24))
    }

    func testPrefixLengthOfANetmask() {
        XCTAssertEqual(IPv4Address(255, 255, 255, 0).prefixLength, 24)
        XCTAssertEqual(IPv4Address(0).prefixLength, 0)
        XCTAssertNil(IPv4Address(255, 0, 255, 0).prefixLength)
    }

    func testClassifiesUnusableAddresses() {
        XCTAssertTrue(IPv4Address(192, 168, 225, 1).isUnicast)
        for bad in [IPv4Address.any, IPv4Address(0, 1, 2, 3), IPv4Address(127, 0, 0, 1), IPv4Address(224, 0, 0, 1), IPv4Address(240, 0, 0, 1), IPv4Address.broadcast] {
            XCTAssertFalse(bad.isUnicast, "\(bad)")
        }
    }
}
