// Placeholder: the Simulator target is being built; see Package.swift for its layer.
