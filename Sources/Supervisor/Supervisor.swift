// Placeholder: the Supervisor target is being built; see Package.swift for its layer.
