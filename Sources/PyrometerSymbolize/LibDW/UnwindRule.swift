import CLibDW

/// What the call-frame information says about one pc of x86-64 code, in the form almost every frame takes: the
/// caller's stack pointer (the CFA) is rsp or rbp plus a constant, the return address is saved at the CFA plus a
/// constant, and rbp is unchanged, saved at the CFA plus a constant, or lost. Found once per pc with libdw
/// (`dwarf_cfi_addrframe` on `.eh_frame`) and kept, so that unwinding a frame costs a table lookup and two loads
/// instead of libdw running the frame's CFI program again; any other form (expressions, signal frames, registers
/// other than rsp and rbp) is `.other` and leaves the sample to libdwfl's own unwinder.
struct UnwindRule {
    enum Kind: UInt8 {
        /// The rule below applies.
        case simple
        /// The return address is undefined: the outermost frame (`_start`, `clone3`).
        case outermost
        /// Anything else: the sample is unwound by libdwfl.
        case other
    }

    enum SavedFramePointer: Equatable {
        case unchanged
        case atCFA(Int64)
        case lost
    }

    var kind: Kind
    var cfaFromFramePointer = false
    var cfaOffset: Int64 = 0
    var returnAddressOffset: Int64 = 0
    var framePointer = SavedFramePointer.unchanged

    static let other = UnwindRule(kind: .other)

    // DWARF register numbers on x86-64.
    private static let rbp: UInt64 = 6, rsp: UInt64 = 7, returnAddress: Int32 = 16

    /// The rule at `address` (a virtual address of the CFI's file: runtime pc minus the module's bias).
    init(cfi: OpaquePointer, address: UInt64) {
        var frame: OpaquePointer?
        guard dwarf_cfi_addrframe(cfi, address, &frame) == 0, let frame else { self = .other; return }
        defer { free(UnsafeMutableRawPointer(frame)) }
        var signal = false
        guard dwarf_frame_info(frame, nil, nil, &signal) == Self.returnAddress, !signal else { self = .other; return }

        var ops: UnsafeMutablePointer<Dwarf_Op>?
        var count = 0
        guard dwarf_frame_cfa(frame, &ops, &count) == 0, count == 1, let cfa = ops?.pointee,
              let (register, offset) = Self.registerPlusOffset(cfa),
              register == Self.rsp || register == Self.rbp else { self = .other; return }

        let memory = UnsafeMutablePointer<Dwarf_Op>.allocate(capacity: 3)
        defer { memory.deallocate() }
        guard dwarf_frame_register(frame, Self.returnAddress, memory, &ops, &count) == 0 else { self = .other; return }
        if count == 0 {
            // Undefined (ops is the caller's memory) ends the stack; same-value (no ops) is no rule for a return.
            self = ops == memory ? UnwindRule(kind: .outermost) : .other
            return
        }
        guard let returnAddress = Self.savedAtCFA(ops, count) else { self = .other; return }

        guard dwarf_frame_register(frame, Int32(Self.rbp), memory, &ops, &count) == 0 else { self = .other; return }
        let framePointer: SavedFramePointer
        if count == 0 {
            framePointer = ops == memory ? .lost : .unchanged
        } else if let offset = Self.savedAtCFA(ops, count) {
            framePointer = .atCFA(offset)
        } else {
            self = .other
            return
        }
        self.init(kind: .simple, cfaFromFramePointer: register == Self.rbp, cfaOffset: offset,
                  returnAddressOffset: returnAddress, framePointer: framePointer)
    }

    private init(kind: Kind, cfaFromFramePointer: Bool = false, cfaOffset: Int64 = 0, returnAddressOffset: Int64 = 0,
                 framePointer: SavedFramePointer = .unchanged) {
        self.kind = kind
        self.cfaFromFramePointer = cfaFromFramePointer
        self.cfaOffset = cfaOffset
        self.returnAddressOffset = returnAddressOffset
        self.framePointer = framePointer
    }

    /// `DW_OP_bregN offset` or `DW_OP_bregx N offset`: (N, offset).
    private static func registerPlusOffset(_ op: Dwarf_Op) -> (UInt64, Int64)? {
        let atom = Int(op.atom)
        if atom >= Int(DW_OP_breg0) && atom <= Int(DW_OP_breg31) {
            return (UInt64(atom - Int(DW_OP_breg0)), Int64(bitPattern: op.number))
        }
        if atom == Int(DW_OP_bregx) { return (op.number, Int64(bitPattern: op.number2)) }
        return nil
    }

    /// An `offset(N)` rule as libdw writes it: `DW_OP_call_frame_cfa`, then `DW_OP_plus_uconst N` (wrapping for a
    /// negative N) or nothing for 0; a trailing `DW_OP_stack_value` (a value, not a place) is not one.
    private static func savedAtCFA(_ ops: UnsafeMutablePointer<Dwarf_Op>?, _ count: Int) -> Int64? {
        guard let ops, Int(ops[0].atom) == Int(DW_OP_call_frame_cfa) else { return nil }
        if count == 1 { return 0 }
        guard count == 2, Int(ops[1].atom) == Int(DW_OP_plus_uconst) else { return nil }
        return Int64(bitPattern: ops[1].number)
    }
}
