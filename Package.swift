// swift-tools-version:6.0
// Layers, arrows pointing inward:
//   executables -> BG95Daemon -> domain IO adapters -> pure state machines -> codecs
//   BG95Core (shared value types) <- codecs, machines, adapters; BG95Config (the one
//   configuration) <- BG95Daemon and bg95d.
// Pure targets (BG95Core, BG95CommandLine, LogLimit, ATProtocol, DHCPProtocol, Modem, Netconfig, Supervisor, BG95Config)
// import no Glibc and no Dispatch; only *IO targets, BG95System, BG95Control, BG95Daemon, the
// executables and Simulator touch the OS. Each target lists exactly the targets it imports.
import PackageDescription

/// bg95d's targets build without the implicit `_StringProcessing` import, so neither it nor
/// `_RegexParser` (0.9 MB of bg95d) is linked: string searching goes through `BG95Core`'s
/// `Character`/byte helpers instead (docs/benchmarks.md, "Binary size and footprint").
let leanStrings: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import"])]

let package = Package(
    name: "bg95",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bg95d", targets: ["bg95d"]),
        .executable(name: "bg95ctl", targets: ["bg95ctl"]),
        .executable(name: "bg95sim", targets: ["bg95sim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries through pkg-config.
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        .systemLibrary(name: "CUmockdev", pkgConfig: "umockdev-1.0", providers: [.apt(["libumockdev-dev"])]),

        // Thin typed wrappers over syscalls: the only place besides the IO targets that imports Glibc.
        .target(name: "BG95System", swiftSettings: leanStrings),
        // Pure: rate limit for log sources an outside party can trigger (no I/O, time passed in).
        .target(name: "LogLimit", swiftSettings: leanStrings),

        // Pure: bg95d's command-line parsing, help and man-page description (swift-argument-parser
        // pulled all of FoundationEssentials into bg95d, docs/benchmarks.md "Binary size").
        .target(name: "BG95CommandLine", swiftSettings: leanStrings),

        // Value types several layers share (IPv4Address, LogPriority) and the text search bg95d's
        // targets use instead of _StringProcessing (TextSearch); imports nothing.
        .target(name: "BG95Core", swiftSettings: leanStrings),

        // Pure codecs and state machines.
        .target(name: "ATProtocol", dependencies: ["BG95Core"], swiftSettings: leanStrings),
        .target(name: "DHCPProtocol", dependencies: ["BG95Core"], swiftSettings: leanStrings),
        .target(name: "Modem", dependencies: ["ATProtocol", "BG95Core"], swiftSettings: leanStrings),
        .target(name: "Netconfig", dependencies: ["BG95Core"], swiftSettings: leanStrings),
        .target(name: "Supervisor", dependencies: ["ATProtocol", "BG95Core", "Modem"], swiftSettings: leanStrings),

        // The one configuration type and its parser (`key = value` file and `--set key=value`).
        .target(name: "BG95Config", dependencies: ["ATProtocol", "BG95Core", "Modem", "Supervisor"], swiftSettings: leanStrings),

        // I/O adapters.
        .target(name: "ModemIO", dependencies: ["CUdev", "BG95Core", "BG95System", "ATProtocol", "Modem", "Supervisor", "LogLimit"], swiftSettings: leanStrings),
        .target(name: "DHCPIO", dependencies: ["BG95Core", "DHCPProtocol", "BG95System", "LogLimit"], swiftSettings: leanStrings),
        .target(name: "NetlinkIO", dependencies: ["CMnl", "BG95Core", "BG95System", "Netconfig"], swiftSettings: leanStrings),
        .target(name: "BG95Control", dependencies: ["ATProtocol", "BG95Core", "BG95System", "LogLimit"], swiftSettings: leanStrings),
        .target(
            name: "BG95Daemon",
            dependencies: [
                "BG95Core", "BG95Config", "Supervisor", "Modem", "ATProtocol", "ModemIO", "DHCPIO", "DHCPProtocol",
                "NetlinkIO", "BG95Control", "BG95System", "Netconfig",
            ],
            swiftSettings: leanStrings
        ),
        .target(name: "Simulator", dependencies: ["CUmockdev", "BG95System"]),

        // Executables.
        .executableTarget(
            name: "bg95d",
            dependencies: [
                "BG95Daemon", "BG95Config", "BG95Control", "BG95Core", "DHCPIO", "DHCPProtocol", "NetlinkIO", "Netconfig", "BG95System",
                "ModemIO", "Modem", "ATProtocol", "Supervisor", "BG95CommandLine",
            ],
            swiftSettings: leanStrings
        ),
        .executableTarget(
            name: "bg95ctl",
            dependencies: ["BG95Control", "ATProtocol", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "bg95sim",
            dependencies: ["Simulator", "BG95System", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Tests. Unit tests drive pure targets; *IntegrationTests and SimulatorTests need root
        // and namespaces and fail loudly without them.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "BG95CoreTests", dependencies: ["BG95Core"]),
        .testTarget(name: "ATProtocolTests", dependencies: ["ATProtocol"]),
        .testTarget(name: "ModemTests", dependencies: ["Modem", "ATProtocol"]),
        .testTarget(name: "DHCPProtocolTests", dependencies: ["BG95Core", "DHCPProtocol"]),
        .testTarget(name: "NetconfigTests", dependencies: ["BG95Core", "Netconfig"]),
        .testTarget(name: "SupervisorTests", dependencies: ["ATProtocol", "Supervisor", "Modem", "BG95Core"]),
        .testTarget(name: "BG95ConfigTests", dependencies: ["BG95Config", "Supervisor"]),
        .testTarget(name: "BG95CommandLineTests", dependencies: ["BG95CommandLine"]),
        .testTarget(name: "BG95ControlTests", dependencies: [
            "ATProtocol", "BG95Control", "BG95Core", "BG95System", "TestSupport", "LogLimit",
        ]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "TestSupport"]),
        .testTarget(name: "ModemIntegrationTests", dependencies: ["ModemIO", "Modem", "ATProtocol", "Supervisor", "TestSupport"]),
        .testTarget(name: "NetworkIntegrationTests", dependencies: [
            "BG95Core", "CMnl", "DHCPIO", "NetlinkIO", "Netconfig", "DHCPProtocol", "TestSupport",
        ]),
        .testTarget(name: "DaemonIntegrationTests", dependencies: ["BG95Daemon", "BG95Control", "TestSupport"]),
        // systemd PID 1 in a container (systemd-nspawn) and udevadm; root, fails loudly without them.
        .testTarget(name: "SystemdIntegrationTests", dependencies: ["TestSupport"]),
        // The daemon's event loop with scripted fakes behind its adapter protocols (no root).
        .testTarget(name: "DaemonTests", dependencies: [
            "ATProtocol", "BG95Config", "BG95Control", "BG95Core", "BG95Daemon", "BG95System", "DHCPProtocol", "Modem", "ModemIO",
            "Netconfig", "NetlinkIO", "Supervisor",
        ]),
    ]
)
