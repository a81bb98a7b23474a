// Placeholder: the Netconfig target is being built; see Package.swift for its layer.
