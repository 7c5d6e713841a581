import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PyrometerAnalyze
import PyrometerModel
import PyrometerRender

/// Builds a flame tree from `(frames root first, value)` pairs.
func makeTree(_ stacks: [([String], Int64)], reverse: Bool = false) -> FlameTree {
    var folded = FoldedStacks(valueType: ValueType(type: "samples", unit: "count"))
    for (frames, value) in stacks { folded.add(frames: frames, value: value) }
    return FlameTree(folded, reverse: reverse)
}

/// A parsed SVG: every element in document order with its attributes and its own text.
final class ParsedSVG: NSObject, XMLParserDelegate {
    final class Element {
        let name: String
        let attributes: [String: String]
        var text = ""
        var children: [Element] = []
        weak var parent: Element?
        init(name: String, attributes: [String: String], parent: Element?) {
            self.name = name
            self.attributes = attributes
            self.parent = parent
        }
    }

    private(set) var elements: [Element] = []
    private var stack: [Element] = []
    private(set) var error: String?

    init(_ bytes: [UInt8]) {
        super.init()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = self
        parser.shouldResolveExternalEntities = false
        if !parser.parse() {
            error = parser.parserError.map { "\($0)" } ?? "unknown parse error"
            if error == nil { error = "parse failed" }
        }
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let element = Element(name: elementName, attributes: attributeDict, parent: stack.last)
        stack.last?.children.append(element)
        elements.append(element)
        stack.append(element)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        stack.last?.text += string
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        stack.last?.text += String(decoding: CDATABlock, as: UTF8.self)
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if error == nil { error = "\(parseError) at line \(parser.lineNumber) column \(parser.columnNumber)" }
    }

    func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    /// The `<g>` children of `<g id="frames">`.
    var frames: [Element] {
        elements.first { $0.attributes["id"] == "frames" }?.children.filter { $0.name == "g" } ?? []
    }
}

extension ParsedSVG.Element {
    func child(_ name: String) -> ParsedSVG.Element? { children.first { $0.name == name } }
    /// The frame name: the `<title>` minus the counts suffix.
    var frameName: String {
        let title = child("title")?.text ?? ""
        let length = Int(attributes["data-l"] ?? "") ?? 0
        return String(decoding: Array(title.utf16.prefix(length)), as: UTF16.self)
    }
    var rect: [String: String] { child("rect")?.attributes ?? [:] }
    func rectNumber(_ key: String) -> Double { Double(rect[key] ?? "") ?? .nan }
}

/// The package root (the directory holding Package.swift).
func packageRoot(file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
