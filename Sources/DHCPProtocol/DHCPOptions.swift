/// The options of a DHCP message: code -> data, in first-seen order.
///
/// Parsing follows RFC 2131 §4.1 and RFC 3396: pad (0) is skipped, end (255) stops the walk,
/// every other option needs a length byte and that many data bytes inside its area — both are
/// checked before they are read. An option that appears more than once is concatenated.
/// Known options must have their RFC 2132 size (`badOptionLength` otherwise).
public struct DHCPOptions: Equatable, Sendable {
    private(set) var codes: [UInt8] = []
    private var storage: [UInt8: [UInt8]] = [:]

    public init() {}

    /// The data of option `code` (empty for a flag option such as rapid commit), or `nil`.
    public subscript(code: UInt8) -> [UInt8]? {
        get { storage[code] }
        set {
            precondition(code != DHCPOptionCode.pad && code != DHCPOptionCode.end, "pad/end are not options")
            if let newValue {
                if storage.updateValue(newValue, forKey: code) == nil { codes.append(code) }
            } else if storage.removeValue(forKey: code) != nil {
                codes.removeAll { $0 == code }
            }
        }
    }

    /// The option codes present, in the order they first appeared.
    public var presentCodes: [UInt8] { codes }

    /// Walks one option area (`options`, `file` or `sname`), appending to `self`.
    ///
    /// Throws `truncatedOption`/`optionOverrun` rather than reading past `area`'s end.
    mutating func parseArea(_ area: ArraySlice<UInt8>) throws(DHCPParseError) {
        var i = area.startIndex
        let end = area.endIndex
        while i < end {
            let code = area[i]
            if code == DHCPOptionCode.pad { i += 1; continue }
            if code == DHCPOptionCode.end { return }
            // Check we can read the length.
            guard i + 1 < end else { throw .truncatedOption(code: code) }
            let length = Int(area[i + 1])
            // Check we can read the data.
            guard i + 2 + length <= end else {
                throw .optionOverrun(code: code, length: length, available: end - i - 2)
            }
            let data = area[(i + 2)..<(i + 2 + length)]
            if storage[code] != nil {
                storage[code]! += data  // RFC 3396 concatenation
            } else {
                storage[code] = Array(data)
                codes.append(code)
            }
            i += 2 + length
        }
    }

    /// Checks the sizes of the options whose types we know.
    func validate() throws(DHCPParseError) {
        for code in codes {
            guard let rule = DHCPOptionCode.lengthRule(code), let data = storage[code] else { continue }
            let ok: Bool
            switch rule {
            case .exactly(let n): ok = data.count == n
            case .multipleOf(let n): ok = !data.isEmpty && data.count % n == 0
            case .atLeast(let n): ok = data.count >= n
            }
            if !ok { throw .badOptionLength(code: code, length: data.count) }
        }
    }

    /// The encoded options area: each option (split into 255-byte chunks) then end.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        for code in codes {
            let data = storage[code] ?? []
            if data.isEmpty {
                out += [code, 0]
                continue
            }
            var start = 0
            while start < data.count {
                let chunk = data[start..<min(start + 255, data.count)]
                out.append(code)
                out.append(UInt8(chunk.count))
                out += chunk
                start += chunk.count
            }
        }
        out.append(DHCPOptionCode.end)
        return out
    }
}
