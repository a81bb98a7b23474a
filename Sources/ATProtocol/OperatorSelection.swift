/// `+COPS: <mode>[,<format>,<oper>[,<AcT>]]` (27.007 §7.3), e.g. `+COPS: 0,0,"Telekom.de",8`.
public struct OperatorSelection: Equatable, Sendable, ATReply {
    /// 0 automatic, 1 manual, 2 deregister, 3 format only, 4 manual/automatic.
    public let mode: Int
    /// 0 long alphanumeric, 1 short alphanumeric, 2 numeric; nil when not registered.
    public let format: Int?
    /// The operator name or MCC+MNC; nil when not registered.
    public let operatorName: String?
    public let accessTechnology: AccessTechnology?

    public static var linePrefix: String? { "+COPS" }

    public init(mode: Int, format: Int?, operatorName: String?, accessTechnology: AccessTechnology?) {
        self.mode = mode
        self.format = format
        self.operatorName = operatorName
        self.accessTechnology = accessTechnology
    }

    public init(parsing line: String) throws(ATParseError) {
        let info = try ATInformationLine(line, expectedPrefix: "+COPS")
        try info.requireAtMost(4)
        mode = try info.int(0, "mode", in: 0...4)
        guard info.fields.count > 1 else {
            format = nil
            operatorName = nil
            accessTechnology = nil
            return
        }
        format = try info.int(1, "format", in: 0...2)
        let name = try info.string(2, "oper")
        guard name.isPrintableASCII(maxLength: 64) else {
            throw ATParseError(.invalidText(field: "oper"), line: line)
        }
        operatorName = name
        accessTechnology = try info.optionalInt(3, "AcT", in: 0...255).map(AccessTechnology.init(code:))
    }
}
