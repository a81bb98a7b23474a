/// Searching text for text, by `Character` (so with the same canonical equivalence as `==`),
/// for the targets linked into bg95d.
///
/// The standard library answers `contains(_:)`, `firstRange(of:)` and `replacing(_:with:)`
/// with a `String` argument from `_StringProcessing`, which brings `_RegexParser` along
/// (together 0.9 MB of bg95d's 11.5 MB). bg95d's
/// targets are built without that module (`leanStrings` in Package.swift) and use these instead;
/// the names differ from the standard ones so that code importing `_StringProcessing` (tests)
/// never sees two candidates.
extension StringProtocol {
    /// The first occurrence of `needle`; an empty needle is found at the start.
    public func firstRange(ofText needle: some StringProtocol) -> Range<Index>? {
        var start = startIndex
        while true {
            if let end = Self.matchEnd(of: needle, in: self, from: start) { return start..<end }
            guard start < endIndex else { return nil }
            start = index(after: start)
        }
    }

    /// Whether `needle` occurs in the text (an empty needle always does).
    public func containsText(_ needle: some StringProtocol) -> Bool {
        firstRange(ofText: needle) != nil
    }

    /// The text with every occurrence of `target` (left to right, not overlapping) replaced by
    /// `replacement`; an empty target changes nothing.
    public func replacingText(_ target: some StringProtocol, with replacement: some StringProtocol) -> String {
        guard !target.isEmpty else { return String(self) }
        var result = ""
        var rest = self[...]
        while let found = rest.firstRange(ofText: target) {
            result += rest[..<found.lowerBound]
            result += replacement
            rest = rest[found.upperBound...]
        }
        result += rest
        return result
    }

    /// Where `needle` ends when it occurs in `text` at `start`, else nil.
    private static func matchEnd(of needle: some StringProtocol, in text: Self, from start: Index) -> Index? {
        var position = start
        for character in needle {
            guard position < text.endIndex, text[position] == character else { return nil }
            position = text.index(after: position)
        }
        return position
    }
}
