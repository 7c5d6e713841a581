import PyrometerStore

/// `api/v1/diff`: two sides of one service's profiles of one sample type. The base is a `RANGE` as the flame graph
/// takes it (`service`, `type`, `from`, `to`, `week`, `label`); the head is the same with `head.from`, `head.to`,
/// `head.week` and `head.label`. The head inherits what it does not give, in two groups: its time (when none of
/// `head.from`, `head.to`, `head.week` is given, the base's `from`, `to`, `week`) and its labels (when no
/// `head.label` is given, the base's). So "this week vs last week" gives two times and no labels, and "canary vs
/// baseline" one time and two label sets.
struct DiffRequest: Sendable {
    var base: RangeRequest
    var head: RangeRequest
    /// Rows of the table (findings are listed whatever their rank).
    var top = 100
    /// The most flame graph nodes sent; 0 sends all.
    var maxNodes = 0

    static let headTime = ["head.from", "head.to", "head.week"], headLabels = ["head.label"]
    static let parameters = RangeRequest.parameters.union(headTime).union(headLabels)

    init(_ parameters: QueryParameters, nowNanos: Int64) throws(QueryError) {
        base = try RangeRequest(parameters, nowNanos: nowNanos)
        let givesTime = Self.headTime.contains { !parameters.values($0).isEmpty }
        let givesLabels = Self.headLabels.contains { !parameters.values($0).isEmpty }
        guard givesTime || givesLabels else {
            throw .badRequest("the head side is missing: give head.from, head.to, head.week or head.label "
                              + "(from, to, week and label are the base)")
        }
        // The head's own parameters under the names a RangeRequest reads; what it does not give, the base's.
        var pairs = parameters.pairs.filter { ["service", "type"].contains($0.name) }
        for name in ["from", "to", "week", "label"] {
            let own = name == "label" ? givesLabels : givesTime
            let source = own ? "head." + name : name
            pairs += parameters.values(source).map { (name, $0) }
        }
        do {
            head = try RangeRequest(QueryParameters(pairs: pairs), nowNanos: nowNanos)
        } catch {
            throw .badRequest("head: " + error.message)
        }
        guard head.summary != base.summary else {
            throw .badRequest("the head and the base are the same profiles (\(base.summary)): give head.from, head.to, "
                              + "head.week or head.label that differ")
        }
    }
}
