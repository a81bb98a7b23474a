/// An `Encoder` that turns any `Encodable` into a `JSONOutput` tree for `JSONWriter`, so the
/// control protocol's `Codable` types need no Foundation (FoundationEssentials was 6 MB of the
/// stripped static bg95d, docs/benchmarks.md "Binary size and footprint").
///
/// Containers write into reference boxes because nested containers outlive the call that
/// created them; `JSONTreeEncoder.encode` collapses the boxes into the value tree at the end.
enum JSONTreeEncoder {
    static func encode(_ value: some Encodable) throws -> JSONOutput {
        let root = EncodingBox()
        try value.encode(to: TreeEncoder(box: root, codingPath: []))
        return root.output
    }
}

/// One node being filled: nothing yet, a finished value, or an object/array of further boxes.
private final class EncodingBox {
    enum Content {
        case empty
        case value(JSONOutput)
        case object([String: EncodingBox])
        case array([EncodingBox])
    }

    var content: Content = .empty

    /// The object storage, turning an empty box into an object (a container asked twice gets
    /// the same members, as `JSONEncoder` does).
    func objectMember(_ key: String) -> EncodingBox {
        var members: [String: EncodingBox]
        if case .object(let existing) = content { members = existing } else { members = [:] }
        if let box = members[key] { return box }
        let box = EncodingBox()
        members[key] = box
        content = .object(members)
        return box
    }

    func makeObject() {
        if case .object = content { return }
        content = .object([:])
    }

    func makeArray() {
        if case .array = content { return }
        content = .array([])
    }

    func appendElement() -> EncodingBox {
        var elements: [EncodingBox]
        if case .array(let existing) = content { elements = existing } else { elements = [] }
        let box = EncodingBox()
        elements.append(box)
        content = .array(elements)
        return box
    }

    var elementCount: Int {
        if case .array(let elements) = content { return elements.count }
        return 0
    }

    var output: JSONOutput {
        switch content {
        case .empty: return .object([:])  // an Encodable that encoded nothing, as JSONEncoder writes it
        case .value(let value): return value
        case .object(let members): return .object(members.mapValues(\.output))
        case .array(let elements): return .array(elements.map(\.output))
        }
    }
}

private struct TreeEncoder: Encoder {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        box.makeObject()
        return KeyedEncodingContainer(KeyedTreeEncoder<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        box.makeArray()
        return UnkeyedTreeEncoder(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueTreeEncoder(box: box, codingPath: codingPath)
    }
}

/// The one place a Swift value becomes a leaf (or a nested encoding for anything else).
private func encodeValue<T: Encodable>(_ value: T, into box: EncodingBox, codingPath: [any CodingKey]) throws {
    // By exact type (a metatype check), so no bridging cast can turn one number type into another.
    switch T.self {
    case is Bool.Type: box.content = .value(.bool(value as! Bool))
    case is String.Type: box.content = .value(.string(value as! String))
    case is Double.Type: box.content = .value(.double(value as! Double))
    case is Float.Type: box.content = .value(.float(value as! Float))
    case is Int.Type: box.content = .value(.signed(Int64(value as! Int)))
    case is Int8.Type: box.content = .value(.signed(Int64(value as! Int8)))
    case is Int16.Type: box.content = .value(.signed(Int64(value as! Int16)))
    case is Int32.Type: box.content = .value(.signed(Int64(value as! Int32)))
    case is Int64.Type: box.content = .value(.signed(value as! Int64))
    case is UInt.Type: box.content = .value(.unsigned(UInt64(value as! UInt)))
    case is UInt8.Type: box.content = .value(.unsigned(UInt64(value as! UInt8)))
    case is UInt16.Type: box.content = .value(.unsigned(UInt64(value as! UInt16)))
    case is UInt32.Type: box.content = .value(.unsigned(UInt64(value as! UInt32)))
    case is UInt64.Type: box.content = .value(.unsigned(value as! UInt64))
    default: try value.encode(to: TreeEncoder(box: box, codingPath: codingPath))
    }
}

private struct KeyedTreeEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: EncodingBox
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { box.objectMember(key.stringValue).content = .value(.null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try encodeAny(value, forKey: key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try encodeAny(value, forKey: key) }

    private func encodeAny(_ value: some Encodable, forKey key: Key) throws {
        try encodeValue(value, into: box.objectMember(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let member = box.objectMember(key.stringValue)
        member.makeObject()
        return KeyedEncodingContainer(KeyedTreeEncoder<NestedKey>(box: member, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let member = box.objectMember(key.stringValue)
        member.makeArray()
        return UnkeyedTreeEncoder(box: member, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder {
        TreeEncoder(box: box.objectMember("super"), codingPath: codingPath + [JSONKey("super")])
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        TreeEncoder(box: box.objectMember(key.stringValue), codingPath: codingPath + [key])
    }
}

private struct UnkeyedTreeEncoder: UnkeyedEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]
    var count: Int { box.elementCount }

    private func nextPath() -> [any CodingKey] { codingPath + [JSONKey(index: count)] }

    mutating func encodeNil() throws { box.appendElement().content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = nextPath()
        try encodeValue(value, into: box.appendElement(), codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = nextPath()
        let element = box.appendElement()
        element.makeObject()
        return KeyedEncodingContainer(KeyedTreeEncoder<NestedKey>(box: element, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = nextPath()
        let element = box.appendElement()
        element.makeArray()
        return UnkeyedTreeEncoder(box: element, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let path = nextPath()
        return TreeEncoder(box: box.appendElement(), codingPath: path)
    }
}

private struct SingleValueTreeEncoder: SingleValueEncodingContainer {
    let box: EncodingBox
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { box.content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: box, codingPath: codingPath) }
}

/// A coding key for array indices and for `super`.
struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    init(index: Int) {
        stringValue = "Index \(index)"
        intValue = index
    }

    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { self.init(index: intValue) }
}
