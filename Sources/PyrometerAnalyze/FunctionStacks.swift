import PyrometerModel

/// A profile at function granularity, as attribution charges it (`Attributor`): stacks of the functions that own
/// each frame (root first; the last one is charged with the stack's value as self), each with what that self value
/// was spent in inside its function (an inlined callee, or a runtime's native function), if anything.
///
/// Every `add` is a stack of its own: hotspots and diffs sum per function and need no equal stacks merged.
public struct FunctionStacks: Sendable {
    private var nameTable = StringInterner()
    private var inlinedTable = StringInterner()
    private var nativeTable = StringInterner()
    /// Function-name id → full name.
    public var names: [String] { nameTable.strings }
    /// Names of the inlined callees and native functions that charges refer to.
    public var inlinedNames: [String] { inlinedTable.strings }
    public var nativeNames: [String] { nativeTable.strings }
    /// Stacks of function-name ids, root first.
    public private(set) var stacks = StackTable()
    public private(set) var values: [Int64] = []
    /// Per stack, what its leaf function spent the value in (see `Charge`).
    public private(set) var charges: [Charge] = []
    public var valueType: ValueType
    public var kind: ProfileKind
    /// The value of samples without any frame: part of the total, in no stack.
    public var unattributed: Int64 = 0
    /// Ids of the names that stand for code without symbols outside the system libraries (a whole program,
    /// `[sites]`): a comparison per function cannot tell such code's functions apart, nor match a binary renamed
    /// between two builds.
    public internal(set) var unsymbolizedNames: Set<Int32> = []

    public init(valueType: ValueType, kind: ProfileKind) {
        self.valueType = valueType
        self.kind = kind
    }

    /// What a stack's self value was spent in inside its leaf function: nothing else, an inlined callee, or a
    /// native function (ids into `inlinedNames` / `nativeNames`), in one `Int32`.
    public struct Charge: Sendable, Equatable {
        /// -1 none, n ≥ 0 inlined callee n, n ≤ -2 native function -2 - n.
        let code: Int32
        public static let none = Charge(code: -1)
        static func inlined(_ id: Int32) -> Charge { Charge(code: id) }
        static func native(_ id: Int32) -> Charge { Charge(code: -2 - id) }
        public var kind: ChargeKind? { code >= 0 ? .inlined : code <= -2 ? .native : nil }
        /// The id in `inlinedNames` or `nativeNames`.
        public var id: Int32 { code >= 0 ? code : -2 - code }
    }

    /// Folded stacks whose every frame is a function, without charges.
    public init(_ folded: FoldedStacks) {
        self.init(valueType: folded.valueType, kind: folded.kind)
        for name in folded.names { _ = intern(name: name) }
        for id in 0 ..< folded.count {
            folded.stacks[StackID(id)].withUnsafeBufferPointer { add(frames: $0, value: folded.values[id]) }
        }
        unattributed = folded.unattributed
    }

    /// The number of stacks.
    public var count: Int { values.count }

    public mutating func intern(name: String) -> Int32 { nameTable.intern(name) }
    mutating func internInlined(_ name: String) -> Int32 { inlinedTable.intern(name) }
    mutating func internNative(_ name: String) -> Int32 { nativeTable.intern(name) }

    /// The name a charge refers to.
    public func name(of charge: Charge) -> String? {
        switch charge.kind {
        case .inlined: return inlinedTable[charge.id]
        case .native: return nativeTable[charge.id]
        case nil: return nil
        }
    }

    /// Adds a stack of function-name ids (root first) with its charge and value.
    public mutating func add(frames: UnsafeBufferPointer<Int32>, charge: Charge = .none, value: Int64) {
        _ = stacks.append(frames)
        values.append(value)
        charges.append(charge)
    }

    /// Adds every stack of `other`, matched by names, e.g. to analyze several profiles as one.
    public mutating func merge(_ other: FunctionStacks) {
        let names = other.names.map { intern(name: $0) }
        let inlined = other.inlinedNames.map { internInlined($0) }
        let native = other.nativeNames.map { internNative($0) }
        var frames: [Int32] = []
        for id in 0 ..< other.count where other.values[id] != 0 {
            frames.removeAll(keepingCapacity: true)
            for frame in other.stacks[StackID(id)] { frames.append(names[Int(frame)]) }
            let charge = other.charges[id]
            let mapped: Charge
            switch charge.kind {
            case .inlined: mapped = .inlined(inlined[Int(charge.id)])
            case .native: mapped = .native(native[Int(charge.id)])
            case nil: mapped = .none
            }
            frames.withUnsafeBufferPointer { add(frames: $0, charge: mapped, value: other.values[id]) }
        }
        unattributed.saturatingAdd(other.unattributed)
    }
}
