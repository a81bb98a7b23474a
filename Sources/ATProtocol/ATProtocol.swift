// Placeholder: the ATProtocol target is being built; see Package.swift for its layer.
