import PyrometerAnalyze
import PyrometerModel

/// Writes folded stacks: one `frame;frame;leaf value` line per unique stack, sorted by the bytes of the stack
/// text, as inferno's and FlameGraph's collapsers print them.
public struct FoldedExporter: Sendable {
    public init() {}

    /// The folded text of `folded`, UTF-8.
    public func export(_ folded: FoldedStacks) -> [UInt8] {
        let text = folded.sortedText()
        var out: [UInt8] = []
        out.reserveCapacity(text.bytes.count + text.order.count * 12)
        text.bytes.withUnsafeBytes { all in
            for index in text.order {
                out.append(contentsOf: UnsafeRawBufferPointer(rebasing: all[text.ranges[index]]))
                out.append(UInt8(ascii: " "))
                out.appendDecimal(text.values[index])
                out.append(UInt8(ascii: "\n"))
            }
        }
        return out
    }

    /// Folds `profile` with `options` and writes it.
    public func export(_ profile: Profile, options: FoldOptions = FoldOptions()) -> [UInt8] {
        export(Folder(options: options).fold(profile))
    }
}
