// Placeholder: the NetlinkIO target is being built; see Package.swift for its layer.
