import ArgumentParser

/// `bg95d dhcp <interface>`: run only the DHCP client on an existing interface.
struct DHCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dhcp",
        abstract: "Run only the DHCP client on an existing interface and print the lease as JSON."
    )

    @Argument(help: "The network interface to run DHCP on.")
    var interface: String

    func run() throws {
        throw ValidationError("the DHCP client is not built yet")
    }
}
