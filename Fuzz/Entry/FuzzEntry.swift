// The libFuzzer entry point of every fuzz binary; `Fuzz/fuzz.sh` compiles it with one
// harness from Fuzz/Harness and a -D flag naming it.
#if FUZZ_AT_PROTOCOL
typealias FuzzTarget = ATProtocolFuzz
#elseif FUZZ_DHCP
typealias FuzzTarget = DHCPFuzz
#elseif FUZZ_CONTROL_REQUEST
typealias FuzzTarget = ControlRequestFuzz
#elseif FUZZ_CONFIGURATION
typealias FuzzTarget = ConfigurationFuzz
#elseif FUZZ_RTNETLINK
typealias FuzzTarget = RtnetlinkFuzz
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    FuzzTarget.run(bytes)
    return 0
}
