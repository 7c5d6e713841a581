// Short labels for Swift names, made from the demangled text (the runtime's demangler prints only the full form).
// A small scanner over the text's bracket structure: `()`, `[]`, `{}` and `<>`, where `->` and operator names
// (`Swift.Comparable.< infix`) are not brackets.
extension ShortName {
    /// The flamegraph label of a demangled Swift name: the context path and argument labels, without parameter
    /// types, effects, result types, generic requirements or private-name discriminators, in the style of
    /// `swift-demangle --simplified` but keeping module names.
    ///
    /// - `main.sum(_: Swift.Int, with: Swift.Int) -> Swift.Int` → `main.sum(_:with:)`
    /// - `main.Counter.add<A where A: Swift.BinaryInteger>(_: A, times: Swift.Int) -> ()`
    ///   → `main.Counter.add<A>(_:times:)`
    /// - `main.Square.name.getter : Swift.String` → `main.Square.name.getter`
    /// - `closure #2 (Swift.Int) -> Swift.Int in main.run() async -> ()` → `closure #2 in main.run()`
    /// - `generic specialization <Swift.Int> of main.generic<A where A: Swift.Comparable>([A]) -> A?`
    ///   → `specialized <Swift.Int> main.generic<A>(_:)`, and `function signature specialization <Arg[0] = Dead>
    ///   of …` → `specialized main.generic<A>(_:)` (one `specialized ` however many specializations are chained,
    ///   with the types of the first generic one: specializations for different types have different labels)
    /// - `protocol witness for main.Shape.area() -> Swift.Double in conformance main.Square : main.Shape in main`
    ///   → `protocol witness for main.Shape.area() in conformance main.Square`
    /// - `partial apply forwarder for X` → `partial apply for X`; the async parts of a function
    ///   (`(1) suspend resume partial function for X`) → `X`; ` with unmangled suffix ".resume.0"` is dropped.
    /// - `SwiftBuild.(CodingKeys in _EA451B85…)` → `SwiftBuild.CodingKeys`
    /// - `reabstraction thunk helper <A> from … to …` → `reabstraction thunk helper <A>` (the function types it
    ///   converts between run to hundreds of characters)
    /// - other words stay (`merged `, `static `, `implicit closure #1 in `, `inner #1 in `, `outlined copy of `,
    ///   `type metadata accessor for `…); names without parameters stay as they are.
    ///
    /// Any text is accepted: odd input gives an odd label, never a crash.
    /// - Complexity: O(n) for demangler output; a work budget of a few passes falls back to `withoutSemicolons`.
    public static func swift(_ demangled: String) -> String {
        var text = demangled
        let result: [UInt8]? = text.withUTF8 { bytes in
            var shortener = SwiftShortener(bytes)
            return shortener.run()
        }
        guard let result, !result.isEmpty else { return withoutSemicolons(demangled) }
        return withoutSemicolons(String(decoding: result, as: UTF8.self))
    }
}

/// One pass over a demangled Swift name, writing the short form to `out`.
private struct SwiftShortener {
    let s: UnsafeBufferPointer<UInt8>
    var out: [UInt8] = []
    /// Scanning steps left; searches and bracket matching spend them, so that odd input cannot take quadratic time.
    var budget: Int
    /// Inside a reabstraction thunk's name.
    var isThunk = false

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        s = bytes
        budget = 8 * bytes.count + 4096
        out.reserveCapacity(bytes.count)
    }

    /// The short form, or nil when the budget ran out.
    mutating func run() -> [UInt8]? {
        var position = 0
        while position < s.count && budget > 0 {
            position = step(position)
        }
        guard budget > 0 else { return nil }
        while out.last == UInt8(ascii: " ") { out.removeLast() }
        return out
    }

    // MARK: - Top level

    /// Handles what starts at `position` (always something) and returns where to go on.
    mutating func step(_ position: Int) -> Int {
        let byte = s[position]
        if position == 0 || s[position - 1] == UInt8(ascii: " "), let next = phrase(at: position) { return next }
        switch byte {
        case UInt8(ascii: "("):
            if let next = privateName(at: position) { return next }
            if isParameterList(at: position) { return parameterList(at: position) }
            return copyGroup(at: position)
        case UInt8(ascii: "<"):
            if let end = operatorNameEnd(around: position) {
                out.append(contentsOf: s[position ..< end])
                return end
            }
            return genericGroup(at: position)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            return copyGroup(at: position)
        case UInt8(ascii: " "):
            if starts(at: position, " : ") {
                // A variable's or accessor's type: dropped, up to a protocol witness's conformance.
                return find(" in conformance ", from: position + 3) ?? s.count
            }
            if starts(at: position, " with unmangled suffix ") || (isThunk && starts(at: position, " from ")) {
                return s.count
            }
        case UInt8(ascii: "#"):
            return discriminator(at: position)
        default:
            break
        }
        out.append(byte)
        return position + 1
    }

    /// The leading words that are rewritten: async partial functions (dropped: they are parts of the function),
    /// specializations (`specialized `) and `partial apply forwarder for ` (`partial apply for `).
    mutating func phrase(at position: Int) -> Int? {
        switch s[position] {
        case UInt8(ascii: "("):
            var index = position + 1
            while index < s.count && isDigit(s[index]) { index += 1 }
            guard index > position + 1, starts(at: index, ") ") else { return nil }
            for words in [Phrase.suspendResume, Phrase.awaitResume] where starts(at: index + 2, words) {
                return index + 2 + words.utf8.count
            }
            return nil
        case UInt8(ascii: "r"):
            // The types a reabstraction thunk converts between (`from … to …`) are dropped.
            guard starts(at: position, Phrase.reabstractionThunk) else { return nil }
            isThunk = true
            return nil
        case UInt8(ascii: "p"):
            guard starts(at: position, Phrase.partialApply) else { return nil }
            out.append(contentsOf: Phrase.partialApplyShort)
            return position + Phrase.partialApply.utf8.count
        case UInt8(ascii: "g"), UInt8(ascii: "f"):
            guard starts(at: position, Phrase.generic) || starts(at: position, Phrase.functionSignature) else {
                return nil
            }
            // `generic [not re-abstracted |partial |pre-]specialization <…> of `
            var index = position
            while index < s.count && index - position < 64 && !starts(at: index, Phrase.specialization) {
                let byte = s[index]
                guard (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || byte == UInt8(ascii: " ")
                    || byte == UInt8(ascii: "-") else { return nil }
                index += 1
            }
            // The list is searched for as text: the demangler's own text in it is not always balanced
            // (`<Arg[0] = [Closure Propagated : $s…, Argument Types : []> of `).
            guard starts(at: index, Phrase.specialization),
                  let of = findText(Phrase.closeOf, from: index + Phrase.specialization.utf8.count) else {
                return nil
            }
            if !out.ends(with: Phrase.specialized) { out.append(contentsOf: Phrase.specialized) }
            // A generic specialization keeps its types, so that two specializations of one function have two
            // labels (`specialized <Swift.Int> main.f<A>(_:)`): folded text and flamegraphs would merge them.
            if starts(at: position, Phrase.generic) && !out.ends(with: Phrase.closeSpecializedTypes) {
                out.append(UInt8(ascii: "<"))
                out.append(contentsOf: s[(index + Phrase.specialization.utf8.count) ..< of])
                out.append(contentsOf: Phrase.closeSpecializedTypes)
            }
            return of + Phrase.closeOf.utf8.count
        default:
            return nil
        }
    }

    /// `#N` after `closure`, `implicit closure` or a local function's name, followed by the closure's type: the
    /// type is dropped (`closure #1 (Swift.Int) -> () in f()` → `closure #1 in f()`).
    mutating func discriminator(at position: Int) -> Int {
        var index = position + 1
        while index < s.count && isDigit(s[index]) { index += 1 }
        let next = index + 1
        guard index > position + 1, starts(at: index, " "), !starts(at: next, "in "), !starts(at: next, "of "),
              let inAt = find(" in ", from: next) else {
            out.append(s[position])
            return position + 1
        }
        out.append(contentsOf: s[position ..< index])
        out.append(contentsOf: " in ".utf8)
        return inAt + 4
    }

    // MARK: - Groups

    /// A `(` right after a name (not after an attribute such as `@convention` or `throws`) opens a parameter list;
    /// so does one after `name@Sendable ` (the demangler's text for a `@Sendable` function).
    func isParameterList(at position: Int) -> Bool {
        guard position > 0 else { return false }
        var position = position
        let sendable = "@Sendable "
        if position > sendable.utf8.count + 1 && starts(at: position - sendable.utf8.count, sendable) {
            position -= sendable.utf8.count
        }
        let previous = s[position - 1]
        if previous == UInt8(ascii: ")") { return true }
        if previous == UInt8(ascii: ">") { return position < 2 || s[position - 2] != UInt8(ascii: "-") }
        guard isIdentifier(previous) else { return false }
        var start = position - 1
        while start > 0 && position - start < 256 && isIdentifier(s[start - 1]) { start -= 1 }
        if start > 0 && s[start - 1] == UInt8(ascii: "@") { return false }
        return !s[start ..< position].elementsEqual("throws".utf8)
    }

    /// Writes a parameter list as its argument labels (`(_: Swift.Int, with: Swift.Int)` → `(_:with:)`,
    /// `(Swift.Int)` → `(_:)`), and skips what follows it up to the end of the function (effects, `-> Result`).
    mutating func parameterList(at position: Int) -> Int {
        guard let close = matching(position) else { return copyGroup(at: position) }
        out.append(UInt8(ascii: "("))
        var elementStart = position + 1
        var depth = 0
        var index = position + 1
        var isEmpty = true
        while index < close {
            if s[index] != UInt8(ascii: " ") { isEmpty = false }
            if depth == 0 && s[index] == UInt8(ascii: ",") {
                label(elementStart ..< index)
                elementStart = index + 1
            }
            let (delta, next) = bracket(at: index)
            depth = max(0, depth + delta)
            index = next
        }
        if !isEmpty { label(elementStart ..< close) }
        out.append(UInt8(ascii: ")"))
        let after = close + 1
        guard after < s.count, s[after] == UInt8(ascii: " ") else { return after }
        // Effects and result type: up to a protocol witness's ` in conformance` (or a local function's ` in`); an
        // unmangled suffix is dropped with them.
        guard let end = find(" in ", or: " with unmangled suffix ", from: after),
              !starts(at: end, " with unmangled suffix ") else { return s.count }
        return end
    }

    /// `label:` for a `label: Type` parameter, `_:` for a bare type.
    mutating func label(_ range: Range<Int>) {
        var start = range.lowerBound
        while start < range.upperBound && s[start] == UInt8(ascii: " ") { start += 1 }
        var end = start
        while end < range.upperBound && isIdentifier(s[end]) { end += 1 }
        if end > start && end < range.upperBound && s[end] == UInt8(ascii: ":")
            && (end + 1 == range.upperBound || s[end + 1] == UInt8(ascii: " ")) {
            out.append(contentsOf: s[start ... end])
        } else {
            out.append(contentsOf: "_:".utf8)
        }
    }

    /// Copies a generic parameter or argument list without its `where` clauses (`<A where A: P>` → `<A>`).
    mutating func genericGroup(at position: Int) -> Int {
        var depth = 0
        var skippingBelow: Int?
        var index = position
        while index < s.count && spend() {
            if skippingBelow == nil && depth >= 1 && starts(at: index, " where ") {
                skippingBelow = depth
                index += 7
                continue
            }
            if skippingBelow == nil && s[index] == UInt8(ascii: "("), let next = privateName(at: index) {
                index = next
                continue
            }
            let (delta, next) = bracket(at: index)
            depth += delta
            if let limit = skippingBelow, depth < limit { skippingBelow = nil }
            if skippingBelow == nil { out.append(contentsOf: s[index ..< next]) }
            index = next
            if depth <= 0 { return index }
        }
        return s.count
    }

    /// Copies a bracketed group as it is, but for private-name discriminators.
    mutating func copyGroup(at position: Int) -> Int {
        var depth = 0
        var index = position
        while index < s.count && spend() {
            if s[index] == UInt8(ascii: "("), let next = privateName(at: index) {
                index = next
                continue
            }
            let (delta, next) = bracket(at: index)
            depth += delta
            out.append(contentsOf: s[index ..< next])
            index = next
            if depth <= 0 { return index }
        }
        return s.count
    }

    /// `(Name in _0123ABCD)`, a private declaration's name and its file discriminator: writes `Name`.
    mutating func privateName(at position: Int) -> Int? {
        var end = position + 1
        scan: while end < s.count && end - position < 1024 {
            switch s[end] {
            case UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"),
                 UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","):
                break scan
            default:
                end += 1
            }
        }
        // A private operator: `(< infix in _02E2…)`.
        for fixity in [" infix", " prefix", " postfix"] where starts(at: end, fixity) { end += fixity.utf8.count }
        guard end > position + 1, starts(at: end, " in _") else { return nil }
        var close = end + 5
        while close < s.count && (isDigit(s[close]) || isLetter(s[close])) { close += 1 }
        guard close > end + 5, close < s.count, s[close] == UInt8(ascii: ")") else { return nil }
        out.append(contentsOf: s[(position + 1) ..< end])
        return close + 1
    }

    // MARK: - Scanning

    /// The bracket-depth change at `index` and the index after the token there: `->` and operator names count 0.
    func bracket(at index: Int) -> (Int, Int) {
        switch s[index] {
        case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
            return (1, index + 1)
        case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
            return (-1, index + 1)
        case UInt8(ascii: "<"), UInt8(ascii: ">"):
            if let end = operatorNameEnd(around: index) { return (0, end) }
            if s[index] == UInt8(ascii: ">") {
                return index > 0 && s[index - 1] == UInt8(ascii: "-") ? (0, index + 1) : (-1, index + 1)
            }
            return (1, index + 1)
        default:
            return (0, index + 1)
        }
    }

    /// The index of the bracket closing the one at `position`, or nil.
    mutating func matching(_ position: Int) -> Int? {
        var depth = 0
        var index = position
        while index < s.count && spend() {
            let (delta, next) = bracket(at: index)
            depth += delta
            if depth <= 0 { return index }
            index = next
        }
        return nil
    }

    /// The first occurrence of `pattern` (or of `other`) at bracket depth 0 from `start` on.
    mutating func find(_ pattern: String, or other: String? = nil, from start: Int) -> Int? {
        let first = pattern.utf8.first
        let otherFirst = other?.utf8.first
        var depth = 0
        var index = start
        while index < s.count && spend() {
            if depth == 0 && s[index] == first && starts(at: index, pattern) { return index }
            if depth == 0 && s[index] == otherFirst, let other, starts(at: index, other) { return index }
            let (delta, next) = bracket(at: index)
            depth = max(0, depth + delta)
            index = next
        }
        return nil
    }

    /// The first occurrence of `pattern` from `start` on, brackets or not.
    mutating func findText(_ pattern: String, from start: Int) -> Int? {
        let first = pattern.utf8.first
        var index = start
        while index < s.count && spend() {
            if s[index] == first && starts(at: index, pattern) { return index }
            index += 1
        }
        return nil
    }

    /// When the `<` or `>` at `index` is part of an operator's name (`Swift.Comparable...< infix`,
    /// `main.V.>= infix`): the index after the operator's characters. The name starts after the first `.` of the
    /// run of operator characters (the separator), so `Deque<A>.== infix` ends a generic list at `>`.
    func operatorNameEnd(around index: Int) -> Int? {
        var start = index
        while start > 0 && index - start < 16 && isOperator(s[start - 1]) { start -= 1 }
        var end = index + 1
        while end < s.count && end - index < 16 && isOperator(s[end]) { end += 1 }
        guard starts(at: end, " infix") || starts(at: end, " prefix") || starts(at: end, " postfix") else {
            return nil
        }
        let nameStart = (start ..< end).first { s[$0] == UInt8(ascii: ".") }.map { $0 + 1 } ?? start
        return index >= nameStart ? end : nil
    }

    mutating func spend() -> Bool {
        budget -= 1
        return budget > 0
    }

    func starts(at index: Int, _ pattern: String) -> Bool {
        var index = index
        for byte in pattern.utf8 {
            guard index < s.count, s[index] == byte else { return false }
            index += 1
        }
        return true
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    /// Identifier bytes: letters, digits, `_`, `` ` ``, `$` and any non-ASCII byte.
    func isIdentifier(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "`")
            || byte == UInt8(ascii: "$") || byte >= 0x80
    }

    func isOperator(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "="), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "!"),
             UInt8(ascii: "*"), UInt8(ascii: "%"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"),
             UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "~"), UInt8(ascii: "?"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}

/// The words the shortener looks for.
private enum Phrase {
    static let suspendResume = "suspend resume partial function for "
    static let awaitResume = "await resume partial function for "
    static let reabstractionThunk = "reabstraction thunk "
    static let partialApply = "partial apply forwarder for "
    static let partialApplyShort = "partial apply for ".utf8
    static let generic = "generic "
    static let functionSignature = "function signature "
    static let specialization = "specialization <"
    static let closeOf = "> of "
    static let closeSpecializedTypes = Array("> ".utf8)
    static let specialized = Array("specialized ".utf8)
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
