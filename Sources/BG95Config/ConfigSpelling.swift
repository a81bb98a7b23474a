import ATProtocol

/// How the configuration spells values whose type belongs to the AT layer: the file says
/// `pdp_type = ip` and `auth = either`, the module `"IP"` and `3`. One table per key, read both
/// ways, so the parser and any message that names a value agree.
enum ConfigSpelling {
    static let pdpTypes: KeyValuePairs<String, PDPType> = ["ip": .ipv4, "ipv6": .ipv6, "ipv4v6": .ipv4v6]
    static let authentications: KeyValuePairs<String, Authentication> = [
        "none": .none, "pap": .pap, "chap": .chap, "either": .papOrChap,
    ]

    static func name<T: Equatable>(of value: T, in spellings: KeyValuePairs<String, T>) -> String {
        spellings.first(where: { $0.value == value })?.key ?? "\(value)"
    }
}
