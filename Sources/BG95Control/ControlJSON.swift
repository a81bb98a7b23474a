/// The JSON every control message (and `bg95d modem --json`) uses, through our own codec (`JSONParser`, `JSONWriter`,
/// `JSONTreeEncoder`, `JSONTreeDecoder`) rather than Foundation's: keys sorted by their bytes
/// (stable output, diffable logs), one line per message, slashes unescaped, non-finite numbers
/// as the strings "inf", "-inf", "nan" — byte for byte what `JSONEncoder` wrote before.
public enum ControlJSON {
    public static func encode(_ value: some Encodable) -> [UInt8] {
        do {
            return JSONWriter.write(try JSONTreeEncoder.encode(value))
        } catch {
            // Our own value types always encode; never take the daemon down if one does not.
            return Array(#"{"v":1,"ok":false,"error":{"code":"failed","message":"internal: message failed to encode"}}"#.utf8)
        }
    }

    /// Parses `bytes` within `limits` and decodes a `T` from the document.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, limits: JSONLimits = .controlMessage) throws -> T {
        try JSONTreeDecoder.decode(type, from: JSONParser.parse(bytes, limits: limits))
    }
}
