// Placeholder: the DHCPIO target is being built; see Package.swift for its layer.
