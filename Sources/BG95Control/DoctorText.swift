/// `bg95ctl doctor` as human text, at most 80 columns: the headline and its remedy first (what
/// an operator came for), then one mark per step with what was seen and, for a failure or a
/// warning, the fix. Long text wraps at spaces onto indented lines.
public enum DoctorText {
    public static let width = 80

    public static func render(_ report: DoctorReport) -> String {
        var out = ""
        if let headline = report.headline {
            out += wrap(headline, first: report.healthy ? "Result: " : "Problem: ", rest: "         ")
            if let remedy = report.remedy { out += wrap(remedy, first: "Remedy:  ", rest: "         ") }
            out += "\n"
        }
        for step in report.steps {
            let mark: String
            switch step.outcome {
            case .ok: mark = "[ ok ] "
            case .warning: mark = "[warn] "
            case .failed: mark = "[FAIL] "
            case .skipped: mark = "[skip] "
            }
            out += wrap(step.title + (step.detail.map { ": \($0)" } ?? ""), first: mark, rest: "       ")
            if let fix = step.fix, step.outcome == .failed || step.outcome == .warning {
                out += wrap(fix, first: "       fix: ", rest: "            ")
            }
        }
        return out
    }

    /// `text` after `first`, continued after `rest`, broken at spaces so that no line is wider
    /// than `width` (a single word longer than a line is cut hard); control bytes become "?".
    static func wrap(_ text: String, first: String, rest: String) -> String {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
        var lines: [String] = []
        var current = first
        var empty = true
        for word in clean.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            var word = word
            let indent = lines.isEmpty ? first.count : rest.count
            if word.count > width - indent { word = String(word.prefix(width - indent)) }
            if !empty && current.count + 1 + word.count > width {
                lines.append(current)
                current = rest + word
            } else {
                current += (empty ? "" : " ") + word
            }
            empty = false
        }
        lines.append(current)
        return lines.map { $0 + "\n" }.joined()
    }
}
