import FoundationEssentials

/// The JSON settings every control message uses: sorted keys (stable output, diffable logs),
/// no pretty printing (one message per line), slashes unescaped, non-finite numbers as strings.
enum ControlJSON {
    static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return Array(try encoder.encode(value))
        } catch {
            // Our own value types always encode; never take the daemon down if one does not.
            return Array(#"{"v":1,"ok":false,"error":{"code":"failed","message":"internal: message failed to encode"}}"#.utf8)
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(type, from: Data(bytes))
    }
}
