/// The suffixes folded stack text marks frames with (inferno's and FlameGraph's convention): `_[i]` an inlined
/// function, `_[k]` kernel code, `_[j]` JIT-compiled code. Folded text carries these facts only in the names, so the
/// folded importer, the store's stack reader, folding and attribution all read and write them here.
public enum FrameAnnotation: UInt8, Sendable, CaseIterable {
    case inlined = 0x69  // i
    case kernel = 0x6B  // k
    case jit = 0x6A  // j

    /// The suffix, e.g. `_[i]`.
    public var suffix: String { "_[" + String(UnicodeScalar(rawValue)) + "]" }

    /// The annotation `name` ends with, if any.
    public static func of(_ name: UnsafeRawBufferPointer) -> FrameAnnotation? {
        let n = name.count
        guard n >= 4, name[n - 4] == UInt8(ascii: "_"), name[n - 3] == UInt8(ascii: "["),
              name[n - 1] == UInt8(ascii: "]") else { return nil }
        return FrameAnnotation(rawValue: name[n - 2])
    }

    public static func of(_ name: String) -> FrameAnnotation? {
        var copy = name
        return copy.withUTF8 { of(UnsafeRawBufferPointer($0)) }
    }

    /// `name` without its trailing annotation (`mix_[i]` → `mix`).
    public static func stripped(_ name: String) -> String {
        guard of(name) != nil else { return name }
        return String(decoding: name.utf8.dropLast(4), as: UTF8.self)
    }

    /// Whether `name` contains `_[letter]` anywhere (inferno adds `_[i]` only once, even to names that carry one
    /// in the middle), by its bytes: `String.contains` with a string argument went through the generic
    /// string-processing path and was 60% of folding a symbolized profile full of inline frames.
    public static func appears(_ annotation: FrameAnnotation, in name: String) -> Bool {
        var copy = name
        return copy.withUTF8 { bytes in
            guard bytes.count >= 4 else { return false }
            for i in 0 ... bytes.count - 4 where bytes[i] == UInt8(ascii: "_") && bytes[i + 1] == UInt8(ascii: "[")
                && bytes[i + 2] == annotation.rawValue && bytes[i + 3] == UInt8(ascii: "]") {
                return true
            }
            return false
        }
    }
}
