import PyrometerAnalyze
import PyrometerModel

/// Renders a `FlameTree` as a self-contained, interactive SVG flamegraph in the style of flamegraph.pl and inferno:
/// hover for details, click to zoom, search by regular expression, with state kept in the URL.
///
/// The output depends only on the tree and the options (no clock, randomness or paths), so the same input always
/// gives the same bytes. Every frame name and option string is XML-escaped; none is ever written inside the
/// script or style sheet (the script reads options from attributes).
public struct FlamegraphRenderer: Sendable {
    public var options: FlamegraphOptions

    /// The text shown when the tree is empty (inferno's wording); the CLI treats such output as an error.
    public static let noInputMessage = "ERROR: No valid input provided to flamegraph"

    /// Horizontal padding left and right of the frames, in pixels.
    static let xpad = 10
    /// Vertical gap between frame rows, in pixels.
    static let framePad = 1
    /// CSS generic font families, which need no fallback.
    static let genericFontFamilies: Set<String> = ["serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"]

    public init(options: FlamegraphOptions = FlamegraphOptions()) {
        self.options = options
    }

    /// The complete SVG document as UTF-8. With a `comparison`, it is a differential flamegraph: every frame is
    /// coloured by its own inclusive change (red grew, blue shrank, near-white unchanged; pale grey when the
    /// comparison tests significance and the change is not significant) and its tooltip gives both values and the
    /// change.
    ///
    /// With `offCPU` (per node, the part of its value spent off the CPU), a wall-clock graph colours the two apart:
    /// frames mostly off the CPU in the `io` palette's blues, as FlameGraph draws off-CPU graphs, the others in the
    /// options' palette.
    public func render(_ tree: FlameTree, comparison: FlamegraphComparison? = nil, offCPU: [Int64]? = nil) -> [UInt8] {
        var out = SVGBuffer()
        if tree.total <= 0 || tree.nodes.isEmpty {
            writeEmpty(&out)
        } else {
            let colors = comparison.map { ComparisonColors($0, tree: tree) }
            var renderer = self
            // The legend of a differential graph says which frames are pale and why, after the caller's subtitle.
            if let legend = colors?.legend {
                renderer.options.subtitle = options.subtitle.map { $0 + "; " + legend } ?? legend
            }
            renderer.writeGraph(tree, colors, offCPU, &out)
        }
        return out.bytes
    }

    // MARK: layout

    private struct Layout {
        var width: Int
        var imageHeight: Int
        var ypad1: Int
        var ypad2: Int
        var frameHeight: Int
        var inverted: Bool
        var detailsY: Int

        init(options o: FlamegraphOptions, maxDepth: Int) {
            width = max(o.width, 2 * FlamegraphRenderer.xpad + 1)
            frameHeight = max(o.frameHeight, 2)
            inverted = o.inverted
            let subtitleHeight = o.subtitle == nil ? 0 : o.fontSize * 2
            if o.inverted {
                ypad1 = o.fontSize * 4 + subtitleHeight + 4
                ypad2 = o.fontSize + 10
            } else {
                ypad1 = o.fontSize * 3 + subtitleHeight
                ypad2 = o.fontSize * 2 + 10
            }
            imageHeight = (maxDepth + 1) * frameHeight + ypad1 + ypad2
            detailsY = o.inverted ? ypad1 - o.fontSize : imageHeight - ypad2 / 2
        }

        /// Top of the frame row at `depth`.
        @inline(__always)
        func top(depth: Int) -> Int {
            inverted
                ? ypad1 + depth * frameHeight
                : imageHeight - ypad2 - (depth + 1) * frameHeight + FlamegraphRenderer.framePad
        }
    }

    /// Per frame name: what is written for it, computed once however many nodes share the name.
    private struct NameInfo {
        /// The label drawn in the frame (annotation stripped), UTF-8, not escaped.
        var display: [UInt8]
        /// Its escaped form.
        var escaped: [UInt8]
        /// Unicode scalars in `display` (label truncation counts these).
        var scalars: Int
        /// The escaped name of the tooltip when it is not the label (a full name with a short label), else nil.
        var escapedTitle: [UInt8]?
        /// UTF-16 code units of the tooltip's name (the script's string length), written as `data-l`.
        var utf16: Int
        /// `rgb(r,g,b)`.
        var fill: [UInt8]
    }

    /// - Parameter colorName: the name colours are computed from, when it is not the label.
    /// - Parameter label: the frame's short label, when its name is a full name that differs from it.
    private func nameInfo(_ name: String, label: String? = nil, colorName: String? = nil) -> NameInfo {
        func withoutAnnotation(_ text: String) -> [UInt8] {
            var utf8 = Array(text.utf8)
            // flamegraph.pl strips a trailing perf annotation (_[k] kernel, _[j] JIT, _[i] inlined, _[w] waker)
            // from the label; the colour rules still see it.
            if utf8.count >= 4, utf8[utf8.count - 4] == 0x5F, utf8[utf8.count - 3] == 0x5B, utf8.last == 0x5D,
                [UInt8(ascii: "k"), UInt8(ascii: "j"), UInt8(ascii: "i"), UInt8(ascii: "w")].contains(utf8[utf8.count - 2])
            {
                utf8.removeLast(4)
            }
            return utf8
        }
        let utf8 = withoutAnnotation(label ?? name)
        let title = label == nil ? utf8 : withoutAnnotation(name)
        var scalars = 0
        for b in utf8 where b & 0xC0 != 0x80 { scalars += 1 }
        var utf16 = 0
        for b in title where b & 0xC0 != 0x80 { utf16 += b >= 0xF0 ? 2 : 1 }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(utf8.count)
        XMLEscaper.append(utf8[...], to: &escaped)
        var escapedTitle: [UInt8]?
        if label != nil {
            var text: [UInt8] = []
            XMLEscaper.append(title[...], to: &text)
            escapedTitle = text
        }
        let color = FlamegraphColors.color(for: colorName ?? label ?? name, palette: options.palette, hash: options.hash)
        var fill = SVGBuffer(capacity: 18)
        fill.raw("rgb(")
        fill.int(Int(color.r))
        fill.raw(",")
        fill.int(Int(color.g))
        fill.raw(",")
        fill.int(Int(color.b))
        fill.raw(")")
        return NameInfo(display: utf8, escaped: escaped, scalars: scalars, escapedTitle: escapedTitle, utf16: utf16,
                        fill: fill.bytes)
    }

    // MARK: document

    private func writeGraph(_ tree: FlameTree, _ comparison: ComparisonColors?, _ offCPU: [Int64]?,
                            _ out: inout SVGBuffer) {
        let o = options
        let xpad = Self.xpad
        let usable = Double(max(o.width, 2 * xpad + 1) - 2 * xpad)
        let total = tree.total
        let scale = usable / Double(total)
        let minWidth = o.minWidth

        // Pass 1: the frames wide enough to draw, in preorder, with their start offsets (in value units).
        var keptNodes: [Int32] = []
        var keptStarts: [Int64] = []
        keptNodes.reserveCapacity(min(tree.nodes.count, 1 << 20))
        keptStarts.reserveCapacity(min(tree.nodes.count, 1 << 20))
        var maxDepth = 0
        tree.nodes.withUnsafeBufferPointer { nodes in
            var stack: [(Int32, Int64)] = [(0, 0)]
            while let (id, start) = stack.popLast() {
                let node = nodes[Int(id)]
                if Double(node.total) * scale < minWidth { continue }
                keptNodes.append(id)
                keptStarts.append(start)
                maxDepth = max(maxDepth, Int(node.depth))
                // The parent's own samples come first (a stack ending here sorts before the stacks going on, as
                // ` count` sorts before `;frame`), then the children side by side; push in reverse so the first
                // pops first.
                var end = start.addingSaturated(node.selfValue)
                for child in node.children { end.saturatingAdd(nodes[Int(child)].total) }
                var i = node.children.count - 1
                while i >= 0 {
                    let child = node.children[i]
                    end &-= nodes[Int(child)].total
                    stack.append((child, end))
                    i -= 1
                }
            }
        }

        let layout = Layout(options: o, maxDepth: maxDepth)
        out.bytes.reserveCapacity(8192 + keptNodes.count * 220)
        writeHeader(&out, layout: layout, total: total)

        // Pass 2: the frames.
        var infos = [NameInfo?](repeating: nil, count: tree.names.count + 1)  // slot 0: the root
        // Off-CPU frames' fills, by name slot.
        var offCPUFills = [[UInt8]?](repeating: nil, count: offCPU == nil ? 0 : tree.names.count + 1)
        let glyph = Double(o.fontSize) * o.fontWidth
        let frameHeight = layout.frameHeight
        let rectHeight = frameHeight - Self.framePad
        let textDy = Double(rectHeight) / 2 + 3
        let totalD = Double(total)
        var countName = SVGBuffer()
        countName.raw(" ")
        countName.text(o.countName)
        countName.raw(", ")
        let countNameBytes = countName.bytes
        tree.nodes.withUnsafeBufferPointer { nodes in
            for k in 0 ..< keptNodes.count {
                let node = nodes[Int(keptNodes[k])]
                let start = keptStarts[k]
                let slot = Int(node.name) + 1
                if infos[slot] == nil {
                    // The root is labelled "all" but coloured as a frame with no name, as flamegraph.pl and
                    // inferno colour it.
                    infos[slot] = node.name < 0 ? nameInfo("all", colorName: "")
                        : nameInfo(tree.names[Int(node.name)], label: tree.labels[node.name])
                }
                let info = infos[slot].unsafelyUnwrapped
                let x = Double(xpad) + Double(start) * scale
                let w = Double(node.total) * scale
                let y = layout.top(depth: Int(node.depth))

                out.raw("<g data-x=\"")
                out.int(start)
                out.raw("\" data-v=\"")
                out.int(node.total)
                out.raw("\" data-l=\"")
                out.int(info.utf16)
                if info.escapedTitle != nil {
                    // The short label the script draws when zooming; the tooltip has the full name.
                    out.raw("\" data-s=\"")
                    out.raw(info.escaped)
                }
                out.raw("\"><title>")
                out.raw(info.escapedTitle ?? info.escaped)
                out.raw(" (")
                if let comparison {
                    comparison.writeTooltip(node: Int(keptNodes[k]), countName: countNameBytes, to: &out)
                } else {
                    out.grouped(node.total)
                    out.raw(countNameBytes)
                    if node.name < 0 {
                        out.raw("100")  // the root, written as flamegraph.pl and inferno write it
                    } else {
                        out.fixed2(Double(node.total) / totalD * 100)
                    }
                    out.raw("%")
                }
                out.raw(")</title><rect x=\"")
                out.coord(x)
                out.raw("\" y=\"")
                out.int(y)
                out.raw("\" width=\"")
                out.coord(w)
                out.raw("\" height=\"")
                out.int(rectHeight)
                out.raw("\" fill=\"")
                if let comparison {
                    out.raw(comparison.fill(node: Int(keptNodes[k])))
                } else if let offCPU, node.name >= 0, case let off = offCPU[Int(keptNodes[k])], off > node.total - off {
                    if offCPUFills[slot] == nil {
                        var io = self
                        io.options.palette = .io
                        offCPUFills[slot] = io.nameInfo(tree.names[Int(node.name)], label: tree.labels[node.name]).fill
                    }
                    out.raw(offCPUFills[slot].unsafelyUnwrapped)
                } else {
                    out.raw(info.fill)
                }
                out.raw("\" rx=\"2\" ry=\"2\"/><text x=\"")
                out.coord(x + 3)
                out.raw("\" y=\"")
                out.coord(Double(y) + textDy)
                out.raw("\">")
                // Clamped before converting: a Double outside Int's range (or NaN) would trap.
                let fit = glyph > 0 ? min(max((w / glyph).rounded(.down), 0), 1_000_000) : 0
                writeLabel(&out, info, fit: fit.isFinite ? Int(fit) : 0)
                out.raw("</text></g>\n")
            }
        }
        out.raw("</g>\n</svg>\n")
    }

    /// The frame label: the whole name if it fits in `fit` characters, else its start and "..", else nothing.
    private func writeLabel(_ out: inout SVGBuffer, _ info: NameInfo, fit: Int) {
        if fit < 3 { return }
        if info.scalars < fit {
            out.raw(info.escaped)
            return
        }
        // Keep fit - 2 scalars.
        var keep = fit - 2
        var end = 0
        let display = info.display
        while end < display.count {
            if display[end] & 0xC0 != 0x80 {
                if keep == 0 { break }
                keep -= 1
            }
            end += 1
        }
        XMLEscaper.append(display[0 ..< end], to: &out.bytes)
        out.raw("..")
    }

    private func writeRootOpen(_ out: inout SVGBuffer, width: Int, height: Int) {
        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n")
        out.raw("<svg version=\"1.1\" width=\"")
        out.int(width)
        out.raw("\" height=\"")
        out.int(height)
        out.raw("\" viewBox=\"0 0 ")
        out.int(width)
        out.raw(" ")
        out.int(height)
        out.raw("\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"")
        out.text(options.fontType)
        if !Self.genericFontFamilies.contains(options.fontType) {
            out.raw(", sans-serif")  // a fallback with similar metrics when the font is not installed
        }
        out.raw("\" font-size=\"")
        out.int(options.fontSize)
        out.raw("\">\n")
        out.raw("<!-- Flame graph stack visualization rendered by Pyrometer. See https://github.com/brendangregg/FlameGraph and http://www.brendangregg.com/flamegraphs.html -->\n")
        if let notes = options.notes {
            out.raw("<desc>")
            out.text(notes)
            out.raw("</desc>\n")
        }
    }

    private func writeBackground(_ out: inout SVGBuffer, height: Int) {
        let bg = options.resolvedBackgroundColors
        out.raw("<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\"><stop stop-color=\"")
        out.text(bg.top)
        out.raw("\" offset=\"5%\"/><stop stop-color=\"")
        out.text(bg.bottom)
        out.raw("\" offset=\"95%\"/></linearGradient></defs>\n")
        out.raw("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"")
        out.int(height)
        out.raw("\" fill=\"url(#background)\"/>\n")
    }

    private func writeEmpty(_ out: inout SVGBuffer) {
        let width = max(options.width, 2 * Self.xpad + 1)
        let height = options.fontSize * 5
        writeRootOpen(&out, width: width, height: height)
        writeBackground(&out, height: height)
        out.raw("<text id=\"title\" x=\"")
        out.coord(Double(width) / 2)
        out.raw("\" y=\"")
        out.int(options.fontSize * 2)
        out.raw("\" text-anchor=\"middle\" fill=\"rgb(0,0,0)\">")
        out.text(Self.noInputMessage)
        out.raw("</text>\n</svg>\n")
    }

    private func writeHeader(_ out: inout SVGBuffer, layout: Layout, total: Int64) {
        let o = options
        let width = layout.width
        writeRootOpen(&out, width: width, height: layout.imageHeight)
        writeBackground(&out, height: layout.imageHeight)
        out.raw("<style type=\"text/css\"><![CDATA[")
        out.raw(FlamegraphAssets.css)
        out.raw("]]></style>\n<script type=\"text/ecmascript\"><![CDATA[")
        out.raw(FlamegraphAssets.script)
        out.raw("]]></script>\n")

        out.raw("<text id=\"title\" x=\"")
        out.coord(Double(width) / 2)
        out.raw("\" y=\"")
        out.int(o.fontSize * 2)
        out.raw("\" text-anchor=\"middle\" font-size=\"")
        out.int(o.fontSize + 5)
        out.raw("\" fill=\"rgb(0,0,0)\">")
        out.text(o.title)
        out.raw("</text>\n")
        if let subtitle = o.subtitle {
            out.raw("<text id=\"subtitle\" x=\"")
            out.coord(Double(width) / 2)
            out.raw("\" y=\"")
            out.int(o.fontSize * 4)
            out.raw("\" text-anchor=\"middle\" fill=\"rgb(160,160,160)\">")
            out.text(subtitle)
            out.raw("</text>\n")
        }
        out.raw("<text id=\"details\" x=\"")
        out.int(Self.xpad)
        out.raw("\" y=\"")
        out.int(layout.detailsY)
        out.raw("\" fill=\"rgb(0,0,0)\"> </text>\n<text id=\"unzoom\" class=\"hide\" x=\"")
        out.int(Self.xpad)
        out.raw("\" y=\"")
        out.int(o.fontSize * 2)
        out.raw("\" fill=\"rgb(0,0,0)\">Reset Zoom</text>\n<text id=\"search\" x=\"")
        out.int(width - Self.xpad)
        out.raw("\" y=\"")
        out.int(o.fontSize * 2)
        out.raw("\" text-anchor=\"end\" fill=\"rgb(0,0,0)\">Search</text>\n<text id=\"matched\" x=\"")
        out.int(width - Self.xpad)
        out.raw("\" y=\"")
        out.int(layout.detailsY)
        out.raw("\" text-anchor=\"end\" fill=\"rgb(0,0,0)\"> </text>\n")

        // Everything the script needs is read from these attributes, never written into the script itself.
        out.raw("<g id=\"frames\" data-total=\"")
        out.int(total)
        out.raw("\" data-xpad=\"")
        out.int(Self.xpad)
        out.raw("\" data-width=\"")
        out.int(width - 2 * Self.xpad)
        out.raw("\" data-font-size=\"")
        out.int(o.fontSize)
        out.raw("\" data-font-width=\"")
        out.fixed(o.fontWidth, places: 4)
        out.raw("\" data-inverted=\"")
        out.raw(o.inverted ? "1" : "0")
        out.raw("\" data-search-color=\"")
        out.text(o.searchColor)
        out.raw("\" data-name-type=\"")
        out.text(o.nameType)
        out.raw("\">\n")
    }
}
