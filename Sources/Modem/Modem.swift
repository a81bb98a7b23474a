// Placeholder: the Modem target is being built; see Package.swift for its layer.
