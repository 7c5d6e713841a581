import PyrometerModel

/// A probe on an allocator (`perf probe -x libc.so.6 'malloc size=%di:u64'`): one sample per call, weighed by the
/// bytes asked for. Both perf readers recognize one by the same rule, so a recording gives the same allocation
/// profile whichever path it took:
/// - the event is a probe (perf.data: its format has the `__probe_ip` field of uprobes and kprobes; `perf script`:
///   its fields start with the probed address in parentheses, which is how perf prints that field);
/// - it has a `size` or `bytes` argument, the bytes of one call; times `nmemb` when there is one (`calloc`).
///
/// Such events become `alloc_space/bytes` and `alloc_objects/count`, whatever the probe's name, so that the
/// allocation gate reads them as it reads DHAT or heaptrack. The probed function is the leaf of every stack (the
/// probe fires on its first instruction) and is dropped, so stacks end in its caller. A recording that probes two
/// allocators of which one calls the other (`operator new` and `malloc`) counts such a call twice: probe one level.
struct AllocationProbe: Equatable {
    /// The argument holding the size: `size` or `bytes`.
    var size: String
    /// The argument multiplying it (`calloc`'s `nmemb`), if any.
    var count: String?

    static let sizeArguments = ["size", "bytes"]
    static let countArguments = ["nmemb"]
    /// The field every uprobe and kprobe event has first: the probed address.
    static let probeAddressField = "__probe_ip"

    /// The probe whose arguments are `arguments`; nil when none of them is a size.
    init?(arguments: [String]) {
        guard let size = Self.sizeArguments.first(where: arguments.contains) else { return nil }
        self.size = size
        count = Self.countArguments.first(where: arguments.contains)
    }

    /// The bytes of one call: the size times the count, clamped to `Int64` (arguments are whatever the registers
    /// held: a probe on the wrong register must not wrap a total around).
    static func bytes(size: UInt64, count: UInt64?) -> Int64 {
        let (product, overflow) = size.multipliedReportingOverflow(by: count ?? 1)
        return overflow ? .max : Int64(clamping: product)
    }
}

/// A perf.data event's allocation probe: where its arguments are in the raw record.
struct AllocationProbeFields {
    var probeAddress: TraceEventFormat.Field
    var size: TraceEventFormat.Field
    var count: TraceEventFormat.Field?

    init?(_ format: TraceEventFormat) {
        guard let address = format.field(named: AllocationProbe.probeAddressField),
              let probe = AllocationProbe(arguments: format.fields.map(\.name)),
              let size = format.field(named: probe.size) else { return nil }
        probeAddress = address
        self.size = size
        count = probe.count.flatMap { format.field(named: $0) }
    }

    /// The probed address and the bytes of the call of a raw record; nil when a field lies outside it.
    func read(_ raw: UnsafeRawBufferPointer) -> (address: UInt64, bytes: Int64)? {
        guard let address = probeAddress.value(in: raw), let size = size.value(in: raw) else { return nil }
        var multiplier: UInt64?
        if let count {
            guard let value = count.value(in: raw) else { return nil }
            multiplier = value
        }
        return (address, AllocationProbe.bytes(size: size, count: multiplier))
    }

}
