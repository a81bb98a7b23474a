// Fuzz harness: one line from a control client through the request decoder (and the
// response decoder bg95ctl uses), with round trips. Compiled into the libFuzzer binary
// (`make fuzz`) and into BG95ControlTests, which replays Fuzz/Corpus/control-request/.
import BG95Control

enum ControlRequestFuzz {
    static func run(_ bytes: [UInt8]) {
        if let request = try? ControlRequest(parsing: bytes) {
            precondition((try? ControlRequest(parsing: request.encoded())) == request, "ControlRequest does not round-trip")
            if case .at(let command, _) = request.command {
                precondition(ATPassthrough.validate(command) == nil, "decoder let an invalid AT command through")
            }
        }
        if let message = try? ControlMessage(parsing: bytes) {
            _ = message.encoded()
        }
    }
}
