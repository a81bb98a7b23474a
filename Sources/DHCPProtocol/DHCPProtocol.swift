// Placeholder: the DHCPProtocol target is being built; see Package.swift for its layer.
