import BG95Core
import DHCPProtocol
import Netconfig
import XCTest

/// From hostile DHCP bytes to resolv.conf text: whatever resolver and domain values an ACK
/// carries, only unicast resolvers (at most `DNSConfiguration.maximumServers`) and plain host
/// names reach the file, and each refusal is reported.
final class HostileLeaseDNSTests: XCTestCase {
    private let mac: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
    private let server = IPv4Address(192, 168, 225, 1)

    private func reply(xid: UInt32, type: UInt8, options extra: [UInt8]) -> [UInt8] {
        var b: [UInt8] = [2, 1, 6, 0]
        b += [UInt8(xid >> 24), UInt8(xid >> 16 & 0xFF), UInt8(xid >> 8 & 0xFF), UInt8(xid & 0xFF)]
        b += [0, 0, 0, 0, 0, 0, 0, 0] + [192, 168, 225, 37] + server.bytes + [0, 0, 0, 0]
        b += mac + [UInt8](repeating: 0, count: 10 + 64 + 128)
        b += [99, 130, 83, 99, 53, 1, type, 54, 4] + server.bytes + [51, 4, 0, 0, 14, 16, 1, 4, 255, 255, 255, 0]
        return b + extra + [255]
    }

    func testOnlySanitisedResolversAndDomainsReachResolvConf() throws {
        var machine = DHCPClientMachine(configuration: DHCPClientConfiguration(hardwareAddress: mac, randomSeed: 1))
        _ = machine.handle(.start(previousAddress: nil), now: DHCPInstant(milliseconds: 0))
        let xid = machine.transactionID
        _ = machine.handle(.received(reply(xid: xid, type: 2, options: [])), now: DHCPInstant(milliseconds: 1))
        let resolvers: [[UInt8]] = [[0, 0, 0, 0], [255, 255, 255, 255], [127, 0, 0, 53], [224, 0, 0, 251], [8, 8, 8, 8],
                                    [192, 168, 225, 1], [9, 9, 9, 9], [1, 1, 1, 1]]
        let domain = Array("evil.test\nnameserver 6.6.6.6".utf8)
        let options = [6, UInt8(resolvers.count * 4)] + resolvers.flatMap { $0 } + [15, UInt8(domain.count)] + domain
        _ = machine.handle(.received(reply(xid: xid, type: 5, options: options)), now: DHCPInstant(milliseconds: 2))
        guard case .bound(let lease) = machine.state else { return XCTFail("\(machine.state)") }
        XCTAssertNil(lease.domainName, "a domain with a newline reached the lease")
        let (dns, rejected) = DNSConfiguration.sanitized(servers: lease.dnsServers, domains: ["ok.test", "bad domain", String(repeating: "a", count: 300)])
        let text = dns.resolvConf()
        XCTAssertFalse(text.contains("6.6.6.6"))
        XCTAssertFalse(text.contains("127.0.0.53"))
        XCTAssertFalse(text.contains("224.0.0.251"))
        XCTAssertFalse(text.contains("0.0.0.0"))
        XCTAssertFalse(text.contains("255.255.255.255"))
        XCTAssertEqual(text.components(separatedBy: "nameserver ").count - 1, DNSConfiguration.maximumServers)
        XCTAssertTrue(text.contains("ok.test"))
        XCTAssertFalse(text.contains("bad domain"))
        XCTAssertFalse(rejected.isEmpty)
        for line in text.split(separator: "\n") {
            XCTAssertTrue(line.hasPrefix("#") || line.hasPrefix("nameserver ") || line.hasPrefix("search "), String(line))
        }
    }
}
