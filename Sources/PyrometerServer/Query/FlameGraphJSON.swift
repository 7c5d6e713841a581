import PyrometerAnalyze
import PyrometerModel
import PyrometerRender
import PyrometerStore

/// `GET api/v1/flamegraph`: a range's flame graph as the page draws it, with its top table and findings.
///
/// `{service, sampleType, unit, countName, profiles, from, to, total, names: [full name], colors: [0xRRGGBB per
/// name], nodes: {name, depth, self, total}, omittedNodes, hotspots}`. `nodes` holds four parallel arrays, one entry
/// per frame in preorder (a frame's children follow it, left to right) with depth 0 the root (`name` -1, "all"):
/// the browser lays frames out in one pass (a frame starts after its parent's own samples and its earlier
/// siblings, as `FlamegraphRenderer` draws them) and skips whole subtrees by depth, without building objects per
/// frame. Colours are the SVG's (`FlamegraphColors`, hot palette). `hotspots` is `pyrometer hotspots --format json`
/// (HotspotsExporter) of the same profile, its `functions` the top table and its flagged, hot-path and
/// inlined findings the findings. `omittedNodes` counts the frames `maxNodes` left out (the narrowest); their
/// value still counts in their parents' totals.
enum FlameGraphJSON {
    static func encode(_ range: RangeProfile?, request: RangeRequest) -> [UInt8] {
        var json = JSONBytes(capacity: 1 << 16)
        json.raw("{")
        json.field("service", request.query.service ?? "")
        guard let range else {
            // Nothing in range: an empty graph the page can say so about.
            json.field("sampleType", request.query.sampleType ?? "")
            json.field("profiles", 0)
            json.field("total", 0)
            json.raw("}\n")
            return json.bytes
        }
        let tree = flameTree(range.profile)
        json.field("sampleType", range.sampleType.type)
        json.field("unit", range.sampleType.unit)
        json.field("countName", FlamegraphOptions.countName(forUnit: range.sampleType.unit))
        json.field("profiles", Int64(range.matched.count))
        json.field("from", range.from)
        json.field("to", range.to)
        json.field("total", tree.total)
        json.field("names", tree.names)
        json.field("colors", tree.names.map { name in
            let color = FlamegraphColors.color(for: name, palette: .hot, hash: false)
            return Int(color.r) << 16 | Int(color.g) << 8 | Int(color.b)
        })
        let nodes = Preorder(tree, maxNodes: request.maxNodes)
        json.key("nodes")
        json.raw("{")
        nodes.write(to: &json)
        json.raw("}")
        json.field("omittedNodes", Int64(tree.nodes.count - nodes.name.count))
        json.field("hotspots", json: hotspots(range.profile, top: request.top))
        json.raw("}\n")
        return json.bytes
    }

    /// The tree `pyrometer flamegraph` draws of a stored profile: frames by their full names.
    static func flameTree(_ profile: Profile) -> FlameTree {
        var options = FoldOptions()
        options.fullNames = true
        return FlameTree(Folder(options: options).fold(profile))
    }

    /// `pyrometer hotspots --format json --limit top` of the profile.
    static func hotspots(_ profile: Profile, top: Int) -> [UInt8] {
        var options = HotspotOptions()
        options.keepTop = top
        let report = HotspotAnalyzer(options: options).analyze(profile, fold: FoldOptions())
        return HotspotsExporter(format: .json, limit: top).export(report)
    }
}

/// A flame tree's nodes in preorder (children in drawing order) as the four arrays the page reads. With
/// `maxNodes`, only that many: the widest, so that what is left out is what would be narrowest on screen. A child
/// is never wider than its parent, so keeping every node at least as wide as a cut-off keeps each kept node's
/// ancestors too.
struct Preorder {
    var name: [Int32] = [], depth: [Int32] = [], selfValue: [Int64] = [], total: [Int64] = []
    /// Each kept frame's node in the tree, for per-node data beside the tree's (a diff's base values).
    var node: [Int32] = []

    /// The four arrays as members of an open `nodes` object (a diff adds its per-frame arrays beside them).
    func write(to json: inout JSONBytes) {
        json.field("name", name)
        json.field("depth", depth)
        json.field("self", selfValue)
        json.field("total", total)
    }

    init(_ tree: FlameTree, maxNodes: Int) {
        var cutoff: Int64 = .min
        if maxNodes > 0 && tree.nodes.count > maxNodes {
            var totals = tree.nodes.map(\.total)
            totals.sort(by: >)
            cutoff = totals[maxNodes - 1]
        }
        let budget = maxNodes > 0 ? maxNodes : tree.nodes.count
        let capacity = min(budget, tree.nodes.count)
        name.reserveCapacity(capacity)
        depth.reserveCapacity(capacity)
        selfValue.reserveCapacity(capacity)
        total.reserveCapacity(capacity)
        var stack: [Int32] = [0]
        tree.nodes.withUnsafeBufferPointer { nodes in
            while let id = stack.popLast() {
                let node = nodes[Int(id)]
                // Ties at the cut-off are taken in preorder until the budget is spent.
                guard node.total >= cutoff, name.count < budget else { continue }
                name.append(node.name)
                self.node.append(id)
                depth.append(node.depth)
                selfValue.append(node.selfValue)
                total.append(node.total)
                stack.append(contentsOf: node.children.reversed())
            }
        }
    }
}
