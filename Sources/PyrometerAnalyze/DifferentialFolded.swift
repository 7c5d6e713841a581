import PyrometerModel

/// Stack-level comparison in the 3-column folded format of FlameGraph's `difffolded.pl` and inferno's
/// `diff-folded`: `stack BASE HEAD` per line, which `flamegraph --diff` (and flamegraph.pl) draw.
public struct DifferentialFolded: Sendable {
    public struct Line: Sendable, Equatable {
        public var stack: [UInt8]
        public var base: Int64
        public var head: Int64
    }

    /// Lines sorted by the bytes of the stack text.
    public private(set) var lines: [Line] = []

    /// - Parameters:
    ///   - normalize: scale the base counts to the head's total (rounded down, as inferno does), so a longer or
    ///     busier head run does not colour everything red.
    ///   - stripHex: replace hexadecimal numbers (`0x45ef2173`) with `0x...`, so that addresses that moved
    ///     between runs still match.
    public init(base: FoldedStacks, head: FoldedStacks, normalize: Bool, stripHex: Bool) {
        var index: [[UInt8]: Int] = [:]
        func add(_ folded: FoldedStacks, isBase: Bool) -> Int64 {
            let text = folded.sortedText()
            var total: Int64 = 0
            for position in text.order {
                var stack = Array(text.bytes[text.ranges[position]])
                if stripHex { stack = Self.strippingHex(stack) }
                let value = text.values[position]
                total.saturatingAdd(value)
                let slot: Int
                if let known = index[stack] {
                    slot = known
                } else {
                    slot = lines.count
                    index[stack] = slot
                    lines.append(Line(stack: stack, base: 0, head: 0))
                }
                if isBase { lines[slot].base.saturatingAdd(value) } else { lines[slot].head.saturatingAdd(value) }
            }
            return total
        }
        let baseTotal = add(base, isBase: true)
        let headTotal = add(head, isBase: false)
        if normalize && baseTotal != headTotal && baseTotal > 0 {
            let scale = Double(headTotal) / Double(baseTotal)
            for i in lines.indices {
                let scaled = (Double(lines[i].base) * scale).rounded(.down)
                lines[i].base = scaled < 9.2e18 ? Int64(scaled) : Int64.max
            }
        }
        lines.sort { $0.stack.lexicographicallyPrecedes($1.stack) }
    }

    /// The folded text: `stack base head` lines.
    public var text: [UInt8] {
        var out: [UInt8] = []
        for line in lines {
            out.append(contentsOf: line.stack)
            out.append(contentsOf: " \(line.base) \(line.head)\n".utf8)
        }
        return out
    }

    /// `0x` followed by hex digits becomes `0x...` (a bare `0x` stays).
    static func strippingHex(_ stack: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(stack.count)
        var i = 0
        while i < stack.count {
            if stack[i] == UInt8(ascii: "0"), i + 1 < stack.count, stack[i + 1] == UInt8(ascii: "x") {
                out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: "x")])
                i += 2
                var digits = 0
                while i < stack.count, Self.isHexDigit(stack[i]) {
                    i += 1
                    digits += 1
                }
                if digits > 0 { out.append(contentsOf: Array("...".utf8)) }
                continue
            }
            out.append(stack[i])
            i += 1
        }
        return out
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a") ... UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A") ... UInt8(ascii: "F")).contains(byte)
    }
}
