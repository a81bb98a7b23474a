// swift-tools-version:6.0
// Layers, arrows pointing inward:
//   executables -> BG95Daemon -> domain IO adapters -> pure state machines -> codecs
// Pure targets (ATProtocol, DHCPProtocol, Modem, Netconfig, Supervisor) import no Glibc
// and no Dispatch; only *IO targets, BG95System, BG95Control and Simulator touch the OS.
import PackageDescription

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
        .target(name: "BG95System"),

        // Pure codecs and state machines.
        .target(name: "ATProtocol"),
        .target(name: "DHCPProtocol"),
        .target(name: "Modem", dependencies: ["ATProtocol"]),
        .target(name: "Netconfig", dependencies: ["DHCPProtocol"]),
        .target(name: "Supervisor", dependencies: ["ATProtocol", "Modem", "DHCPProtocol", "Netconfig"]),

        // I/O adapters.
        .target(name: "ModemIO", dependencies: ["CUdev", "BG95System", "ATProtocol", "Modem"]),
        .target(name: "DHCPIO", dependencies: ["DHCPProtocol", "BG95System"]),
        .target(name: "NetlinkIO", dependencies: ["CMnl", "BG95System", "DHCPProtocol", "Netconfig"]),
        .target(name: "BG95Control", dependencies: ["BG95System"]),
        .target(
            name: "BG95Daemon",
            dependencies: ["Supervisor", "Modem", "ATProtocol", "ModemIO", "DHCPIO", "DHCPProtocol", "NetlinkIO", "BG95Control", "Netconfig"]
        ),
        .target(name: "Simulator", dependencies: ["CUmockdev", "BG95System"]),

        // Executables.
        .executableTarget(
            name: "bg95d",
            dependencies: [
                "BG95Daemon", "DHCPIO", "DHCPProtocol", "NetlinkIO", "Netconfig", "BG95System",
                "ModemIO", "Modem", "ATProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "bg95ctl",
            dependencies: ["BG95Control", "ATProtocol", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "bg95sim",
            dependencies: ["Simulator", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // Tests. Unit tests drive pure targets; *IntegrationTests and SimulatorTests need root
        // and namespaces and fail loudly without them.
        .target(name: "TestSupport", dependencies: ["BG95System"], path: "Tests/TestSupport"),
        .testTarget(name: "ATProtocolTests", dependencies: ["ATProtocol"]),
        .testTarget(name: "ModemTests", dependencies: ["Modem", "ATProtocol"]),
        .testTarget(name: "DHCPProtocolTests", dependencies: ["DHCPProtocol"]),
        .testTarget(name: "NetconfigTests", dependencies: ["Netconfig", "DHCPProtocol"]),
        .testTarget(name: "SupervisorTests", dependencies: ["Supervisor", "Modem", "ATProtocol", "DHCPProtocol"]),
        .testTarget(name: "BG95ControlTests", dependencies: ["BG95Control", "TestSupport"]),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "TestSupport"]),
        .testTarget(name: "ModemIntegrationTests", dependencies: ["ModemIO", "Modem", "ATProtocol", "TestSupport"]),
        .testTarget(name: "NetworkIntegrationTests", dependencies: ["DHCPIO", "NetlinkIO", "Netconfig", "DHCPProtocol", "TestSupport"]),
        .testTarget(name: "DaemonIntegrationTests", dependencies: ["BG95Daemon", "BG95Control", "TestSupport"]),
    ]
)
