// Fuzz harness: a configuration file and `--set key=value` overrides through the parser.
// Compiled into the libFuzzer binary (`make fuzz`). When the parser moves to another target,
// change the import below (and the module list for `configuration` in Fuzz/fuzz.sh).
import BG95Config

enum ConfigurationFuzz {
    static func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let configuration = try? ConfigurationParser.parse(text, file: "fuzz.conf") else { return }
        // Parsing the same text on top of its own result gives the same configuration.
        precondition((try? ConfigurationParser.parse(text, file: "fuzz.conf", base: configuration)) == configuration,
                     "configuration parse is not idempotent")
        for line in text.split(separator: "\n").prefix(8) {
            if let override = try? ConfigurationParser.splitOverride(String(line)) {
                _ = try? ConfigurationParser.applyOverrides([override], to: configuration)
            }
        }
    }
}
