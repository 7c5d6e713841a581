/// How a flamegraph looks: sizes, fonts, colours and labels. Every field has the default shown in its documentation,
/// which matches flamegraph.pl / inferno.
public struct FlamegraphOptions: Sendable, Equatable {
    /// The title drawn centred at the top. Default `"Flame Graph"` (`"Icicle Graph"` is a common choice when
    /// `inverted`, but the default does not change).
    public var title: String = "Flame Graph"
    /// A second line under the title. Default `nil` (none).
    public var subtitle: String? = nil
    /// Width of the whole image in pixels. Default `1200`.
    public var width: Int = 1200
    /// Height of one frame row in pixels. Default `16`.
    public var frameHeight: Int = 16
    /// Font size in pixels. Default `12`.
    public var fontSize: Int = 12
    /// Font family of all text. Default `"Verdana"`.
    public var fontType: String = "Verdana"
    /// Average glyph width as a fraction of `fontSize`, used to truncate frame labels. Default `0.59`.
    public var fontWidth: Double = 0.59
    /// Frames narrower than this many pixels are not emitted at all (nor are their descendants). Default `0.1`.
    public var minWidth: Double = 0.1
    /// How frames are coloured. Default `.hot`.
    public var palette: Palette = .hot
    /// Colour frames from a hash of their name (similar names get similar colours) instead of the random-looking
    /// (but still deterministic, seeded from the name) choice. Default `false`.
    public var hash: Bool = false
    /// Draw an icicle graph: the root at the top and callees growing downwards. Default `false`.
    public var inverted: Bool = false
    /// What the values count, as shown in tooltips ("12 samples"). Default `"samples"`.
    public var countName: String = "samples"
    /// The label before the hovered frame's details at the bottom. Default `"Function:"`.
    public var nameType: String = "Function:"
    /// Free text stored in the document's `<desc>` element. Default `nil` (none).
    public var notes: String? = nil
    /// Fill of frames that match a search. Default `"rgb(230,0,230)"`.
    public var searchColor: String = "rgb(230,0,230)"
    /// The background gradient. Default `nil`: chosen by palette like flamegraph.pl (yellow for hot, java, js, perl
    /// and rust; green for mem; blue for io and wakeup; grey for the single-hue palettes).
    public var backgroundColors: BackgroundColors? = nil

    public init() {}

    public init(
        title: String = "Flame Graph", subtitle: String? = nil, width: Int = 1200, frameHeight: Int = 16,
        fontSize: Int = 12, fontType: String = "Verdana", fontWidth: Double = 0.59, minWidth: Double = 0.1,
        palette: Palette = .hot, hash: Bool = false, inverted: Bool = false, countName: String = "samples",
        nameType: String = "Function:", notes: String? = nil, searchColor: String = "rgb(230,0,230)",
        backgroundColors: BackgroundColors? = nil
    ) {
        self.title = title
        self.subtitle = subtitle
        self.width = width
        self.frameHeight = frameHeight
        self.fontSize = fontSize
        self.fontType = fontType
        self.fontWidth = fontWidth
        self.minWidth = minWidth
        self.palette = palette
        self.hash = hash
        self.inverted = inverted
        self.countName = countName
        self.nameType = nameType
        self.notes = notes
        self.searchColor = searchColor
        self.backgroundColors = backgroundColors
    }

    /// The background actually used: `backgroundColors`, or the palette's default.
    /// What tooltips call the values of a sample type with this unit.
    public static func countName(forUnit unit: String) -> String {
        switch unit {
        case "nanoseconds": return "ns"
        case "bytes": return "bytes"
        default: return "samples"
        }
    }

    public var resolvedBackgroundColors: BackgroundColors {
        backgroundColors ?? BackgroundColors.default(for: palette)
    }
}

/// Frame colour schemes, as in flamegraph.pl's `--colors`.
public enum Palette: String, CaseIterable, Sendable {
    /// Reds, oranges and yellows: CPU flamegraphs.
    case hot
    /// Greens and blues: memory flamegraphs.
    case mem
    /// Blues and purples: I/O flamegraphs.
    case io
    /// Aqua: wakeup / off-CPU chains.
    case wakeup
    /// By frame name: `_[j]` JIT green, `_[i]` inlined aqua, `_[k]` kernel orange, Java packages green, C++
    /// yellow, everything else (system code) red.
    case java
    /// By frame name: `_[k]` kernel orange, `_[j]` JIT green (with a path) or aqua, C++ yellow, `:` aqua,
    /// `node_modules/` purple, `.js` paths green, else red.
    case js
    /// By frame name: `_[k]` kernel orange, Perl green, C++ yellow, else red.
    case perl
    case red
    case green
    case blue
    case aqua
    case yellow
    case purple
    case orange
    /// By frame name: Rust standard library (`core::`, `std::`, `alloc::`) orange, other `::` paths aqua, else
    /// yellow.
    case rust
}

/// The two stops of the vertical background gradient (top, bottom), as CSS colours.
public struct BackgroundColors: Sendable, Hashable {
    public var top: String
    public var bottom: String

    public init(top: String, bottom: String) {
        self.top = top
        self.bottom = bottom
    }

    /// A flat background.
    public static func flat(_ color: String) -> BackgroundColors { BackgroundColors(top: color, bottom: color) }

    public static let yellow = BackgroundColors(top: "#eeeeee", bottom: "#eeeeb0")
    public static let blue = BackgroundColors(top: "#eeeeee", bottom: "#e0e0ff")
    public static let green = BackgroundColors(top: "#eef2ee", bottom: "#e0ffe0")
    public static let grey = BackgroundColors(top: "#f8f8f8", bottom: "#e8e8e8")

    /// flamegraph.pl's default background for a palette.
    public static func `default`(for palette: Palette) -> BackgroundColors {
        switch palette {
        case .mem: return .green
        case .io, .wakeup: return .blue
        case .red, .green, .blue, .aqua, .yellow, .purple, .orange: return .grey
        case .hot, .java, .js, .perl, .rust: return .yellow
        }
    }
}
