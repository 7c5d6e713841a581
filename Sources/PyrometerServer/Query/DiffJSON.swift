import PyrometerRender
import PyrometerStore

/// `GET api/v1/diff`: the diff of two ranges as the page draws it.
///
/// `{service, sampleType, unit, countName, base: SIDE, head: SIDE, names, nodes: {name, depth, self, total, base,
/// fill, significant}, omittedNodes, legend, report}`. A SIDE is `{profiles, from, to, total, summary}`. `nodes` is
/// the head's flame graph in `api/v1/flamegraph`'s preorder arrays, plus per frame the base's inclusive value on the
/// same path (`base`), the fill the SVG gives it (`fill`, `0xRRGGBB`: red grew, blue shrank, pale grey not
/// significant) and whether its change is significant (`significant`, 1 or 0; absent when the sample counts are
/// unknown and significance was not assessed). `report` is `pyrometer diff --format json --limit TOP` (DiffExporter).
enum DiffJSON {
    static func encode(_ diff: RangeDiff, request: DiffRequest) -> [UInt8] {
        var json = JSONBytes(capacity: 1 << 16)
        json.raw("{")
        json.field("service", request.base.query.service ?? "")
        json.field("sampleType", diff.base.sampleType.type)
        json.field("unit", diff.base.sampleType.unit)
        json.field("countName", FlamegraphOptions.countName(forUnit: diff.base.sampleType.unit))
        json.field("base", json: side(diff.base, request.base))
        json.field("head", json: side(diff.head, request.head))
        let frames = DifferentialFrames(diff.comparison, tree: diff.tree)
        let kept = Preorder(diff.tree, maxNodes: request.maxNodes)
        json.field("names", diff.tree.names)
        json.key("nodes")
        json.raw("{")
        kept.write(to: &json)
        json.field("base", kept.node.map { frames.base[Int($0)] })
        json.field("fill", kept.node.map { frames.fills[Int($0)] })
        if let significant = frames.significant {
            json.field("significant", kept.node.map { significant[Int($0)] ? 1 : 0 })
        }
        json.raw("}")
        json.field("omittedNodes", Int64(diff.tree.nodes.count - kept.name.count))
        json.field("legend", frames.legend ?? "significance not assessed (no sample counts)")
        json.field("report", json: DiffExporter(format: .json, limit: request.top).export(diff.report))
        json.raw("}\n")
        return json.bytes
    }

    private static func side(_ range: RangeProfile, _ request: RangeRequest) -> [UInt8] {
        var json = JSONBytes()
        json.raw("{")
        json.field("profiles", Int64(range.matched.count))
        json.field("from", range.from)
        json.field("to", range.to)
        json.field("total", range.profile.total(sampleType: 0))
        json.field("summary", request.summary)
        json.raw("}")
        return json.bytes
    }
}
