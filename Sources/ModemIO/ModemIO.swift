// Placeholder: the ModemIO target is being built; see Package.swift for its layer.
