// Placeholder: the BG95Control target is being built; see Package.swift for its layer.
