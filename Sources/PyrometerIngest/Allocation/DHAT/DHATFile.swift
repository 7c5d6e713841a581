#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A DHAT output file, `dhatFileVersion` 2, as `valgrind --tool=dhat` and the Rust `dhat` crate write it
/// (valgrind's `dhat/dh_main.c` and `dhat/dh_view.js` document the fields). Only what the importer uses is decoded.
struct DHATFile: Decodable {
    var dhatFileVersion: Int
    /// `heap` (allocations), `copy` (memcpy and friends) or `ad-hoc` (`DHAT_AD_HOC_EVENT` client requests).
    var mode: String?
    /// The profiled command line and process id.
    var cmd: String?
    var pid: Int?
    /// Program points: one per distinct allocation stack.
    var pps: [ProgramPoint]
    /// The frame table the stacks index: entry 0 is `[root]`, then `0xADDR: function (file:line)` or
    /// `0xADDR: function (in /path/module.so)`.
    var ftbl: [String]

    struct ProgramPoint: Decodable {
        /// Total bytes and blocks allocated here over the run (heap mode; bytes copied, units in the others).
        var tb: Int64
        var tbk: Int64
        /// Bytes and blocks live here at the moment the whole heap peaked (`gb`, `gbk`), and at the end (`eb`, `ebk`).
        var gb: Int64?
        var gbk: Int64?
        var eb: Int64?
        var ebk: Int64?
        /// Frame-table indexes, innermost first.
        var fs: [Int]
    }
}
