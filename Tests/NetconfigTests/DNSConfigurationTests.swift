
import Netconfig
import XCTest
import BG95Core

final class DNSConfigurationTests: XCTestCase {
    func testValidValuesRenderAsResolvConf() throws {
        let dns = try DNSConfiguration(servers: [IPv4Address(192, 168, 225, 1), IPv4Address(192, 168, 225, 1), IPv4Address(10, 0, 0, 53)],
                                       domains: ["Example.COM.", "lab_1.example.com"])
        XCTAssertEqual(dns.servers, [IPv4Address(192, 168, 225, 1), IPv4Address(10, 0, 0, 53)], "duplicates dropped")
        XCTAssertEqual(dns.searchDomains, ["example.com", "lab_1.example.com"])
        XCTAssertEqual(dns.resolvConf(header: ["bg95d\nnameserver 6.6.6.6"]), """
            # bg95dnameserver 6.6.6.6
            nameserver 192.168.225.1
            nameserver 10.0.0.53
            search example.com lab_1.example.com

            """, "header lines cannot inject a line")
    }

    func testRejectsWhatCouldInjectOrOverflow() {
        func rejection(_ domain: String) -> DNSValidationError? {
            do { _ = try DNSConfiguration.validatedDomain(domain); return nil } catch { return error }
        }
        XCTAssertEqual(rejection("example.com\nnameserver 6.6.6.6"), .invalidCharacter(0x0A, domain: "example.com\\x0anameserver 6.6.6.6"))
        XCTAssertEqual(rejection("a b"), .invalidCharacter(0x20, domain: "a b"))
        XCTAssertEqual(rejection("a\0b"), .invalidCharacter(0, domain: "a\\x00b"))
        XCTAssertEqual(rejection("exämple.com"), .invalidCharacter(0xC3, domain: "ex\\xc3\\xa4mple.com"))
        XCTAssertEqual(rejection(""), .emptyDomain)
        XCTAssertEqual(rejection("."), .emptyDomain)
        XCTAssertEqual(rejection("a..b"), .emptyLabel(domain: "a..b"))
        XCTAssertEqual(rejection(String(repeating: "a", count: 64) + ".com"), .labelTooLong(domain: String(repeating: "a", count: 64) + ".com"))
        XCTAssertNil(rejection(String(repeating: "a", count: 63) + ".com"))
        let long = Array(repeating: String(repeating: "a", count: 50), count: 6).joined(separator: ".")  // 305 chars
        XCTAssertEqual(rejection(long), .domainTooLong(length: 305))
        if case .invalidCharacter(_, let shown)? = rejection(String(repeating: "\n", count: 200)) {
            XCTAssertFalse(shown.contains("\n"))
            XCTAssertTrue(shown.hasSuffix("..."), "long bad input is cut in messages")
        } else {
            XCTFail("expected invalidCharacter")
        }

        XCTAssertThrowsError(try DNSConfiguration(servers: [.any], domains: [])) { XCTAssertEqual($0 as? DNSValidationError, .unusableServer(.any)) }
        XCTAssertThrowsError(try DNSConfiguration(servers: [IPv4Address(224, 0, 0, 251)], domains: []))
        XCTAssertThrowsError(try DNSConfiguration(servers: Array(repeating: IPv4Address(10, 0, 0, 1), count: 4), domains: [])) {
            XCTAssertEqual($0 as? DNSValidationError, .tooManyServers(4))
        }
        XCTAssertThrowsError(try DNSConfiguration(servers: [], domains: ["x\r"]))
    }

    func testSanitizedKeepsTheGoodValuesAndReportsTheBad() {
        let (dns, rejected) = DNSConfiguration.sanitized(
            servers: [IPv4Address(10, 0, 0, 1), .broadcast, IPv4Address(10, 0, 0, 2), IPv4Address(10, 0, 0, 3), IPv4Address(10, 0, 0, 4)],
            domains: ["good.example", "bad\nline", "GOOD.example"]
        )
        XCTAssertEqual(dns.servers, [IPv4Address(10, 0, 0, 1), IPv4Address(10, 0, 0, 2), IPv4Address(10, 0, 0, 3)])
        XCTAssertEqual(dns.searchDomains, ["good.example"])
        XCTAssertEqual(rejected, [.unusableServer(.broadcast), .tooManyServers(5), .invalidCharacter(0x0A, domain: "bad\\x0aline")])
        XCTAssertTrue(DNSConfiguration.sanitized(servers: [], domains: []).configuration.isEmpty)
    }
}
