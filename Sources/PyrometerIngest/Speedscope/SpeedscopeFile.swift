/// speedscope's file format (https://www.speedscope.app/file-format-schema.json), as speedscope, py-spy
/// (`--format speedscope`), rbspy, Pyroscope's `format=speedscope` uploads and our own `convert --to speedscope`
/// write it: frames shared by every profile, and profiles either sampled (root-first stacks of frame indexes with
/// a weight each) or evented (open and close events of frames at points in time).
struct SpeedscopeFile: Decodable {
    struct Shared: Decodable { var frames: [Frame] }

    struct Frame: Decodable {
        var name: String
        var file: String?
        var line: Int64?
        var col: Int64?
    }

    struct Event: Decodable {
        /// "O" (a frame opens) or "C" (it closes).
        var type: String
        var frame: Int
        var at: Double
    }

    struct Profile: Decodable {
        var type: String
        var name: String?
        /// "none", "nanoseconds", "microseconds", "milliseconds", "seconds" or "bytes".
        var unit: String
        var startValue: Double?
        var endValue: Double?
        var samples: [[Int]]?
        var weights: [Double]?
        var events: [Event]?
    }

    var shared: Shared
    var profiles: [Profile]
    var name: String?
}
