// Placeholder: the BG95Daemon target is being built; see Package.swift for its layer.
