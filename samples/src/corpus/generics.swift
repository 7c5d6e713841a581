// A Swift program whose profile is known by construction, for Pyrometer's real-recording corpus
// (Tests/Fixtures/real/swift-generics, scripts/make-real-corpus.sh).
//
// Each round spends about
//   45%  in accumulate<Double>   } one generic function, @inline(never), specialized by swiftc -O for two types
//   34%  in accumulate<Int>      }   ("generic specialization <Swift.Double> of corpus.accumulate<A>...")
//    7%  in fillInputs
//    7%  in scoreAll, calling LengthScorer.score through `any Scorer` (protocol witness thunk)
//    7%  in countBits
// Each part's thread CPU time (clock_gettime(CLOCK_THREAD_CPUTIME_ID) through Glibc) is printed to stderr as
// `phase NAME SECONDS`.
// Usage: generics [CPU_SECONDS]   (default 0.5: rounds of ~100 ms run until the timed parts used that much CPU)
import Glibc

func cpuSeconds(_ clock: clockid_t) -> Double {
    var ts = timespec()
    clock_gettime(clock, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

protocol Mixable {
    static var zero: Self { get }
    func step(_ x: Self) -> Self
}
extension Double: Mixable {
    static var zero: Double { 0 }
    func step(_ x: Double) -> Double { self * 0.999 + x }                    // a dependent multiply-add
}
extension Int: Mixable {
    static var zero: Int { 0 }
    func step(_ x: Int) -> Int { (self ^ x) &* 0x5851_F42D_4C95_7F2D }      // a dependent multiply
}

// The generic function. swiftc -O specializes it per type (symbols ending in `Sd_Tg5` and `Si_Tg5`).
@inline(never)
func accumulate<T: Mixable>(_ data: UnsafeBufferPointer<T>) -> T {
    var s = T.zero
    for x in data { s = s.step(x) }
    return s
}

protocol Scorer {
    func score(_ keys: UnsafeBufferPointer<Int>) -> Int
}
struct LengthScorer: Scorer {
    var weight: Int
    @inline(never)
    func score(_ keys: UnsafeBufferPointer<Int>) -> Int {
        var s = 0
        for k in keys { s = s &+ (k & 0xff) &* weight ^ (s >> 3) }
        return s
    }
}

@inline(never)
func fillInputs(_ doubles: UnsafeMutableBufferPointer<Double>, _ ints: UnsafeMutableBufferPointer<Int>, _ passes: Int) {
    var x: UInt64 = 88172645463325252
    for _ in 0..<passes {
        for i in 0..<doubles.count {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            doubles[i] = Double(x & 0xffff) * 1e-3
            ints[i] = Int(truncatingIfNeeded: x)
        }
    }
}

@inline(never)
func scoreAll(_ scorers: [any Scorer], _ keys: UnsafeBufferPointer<Int>, _ passes: Int) -> Int {
    var total = 0
    for _ in 0..<passes {
        for s in scorers { total ^= s.score(keys) }     // an existential call: through the protocol witness
    }
    return total
}

@inline(never)
func countBits(_ ints: UnsafeBufferPointer<Int>, _ passes: Int) -> Int {
    var c = 0
    for p in 0..<passes {
        for v in ints { c = (c << 5 | c >> 59) ^ (v &+ p).nonzeroBitCount }
    }
    return c
}

// Calls per round, chosen for the shares above. Rounds are long (~100 ms) so that periodic sampling does not alias
// with them (see inline_helper.c).
let doubleCalls = 6910, intCalls = 7560, fillPasses = 1020, scorePasses = 1330, countPasses = 990

let budget = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 0.5 : 0.5
let doubles = UnsafeMutableBufferPointer<Double>.allocate(capacity: 4096)
let ints = UnsafeMutableBufferPointer<Int>.allocate(capacity: 4096)
doubles.initialize(repeating: 0)
ints.initialize(repeating: 0)
let scorers: [any Scorer] = [LengthScorer(weight: 3), LengthScorer(weight: 5)]
let names = ["accumulate<Double>", "accumulate<Int>", "fillInputs", "scoreAll", "countBits"]
var phase = [Double](repeating: 0, count: 5)
var accD = 0.0, accI = 0, other = 0
while phase.reduce(0, +) < budget {
    let t0 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
    fillInputs(doubles, ints, fillPasses)
    let t1 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
    for k in 0..<doubleCalls { accD += accumulate(UnsafeBufferPointer(rebasing: doubles[(k & 7)...])) }
    let t2 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
    for k in 0..<intCalls { accI ^= accumulate(UnsafeBufferPointer(rebasing: ints[(k & 7)...])) }
    let t3 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
    other ^= scoreAll(scorers, UnsafeBufferPointer(ints), scorePasses)
    let t4 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
    other ^= countBits(UnsafeBufferPointer(ints), countPasses)
    let t5 = cpuSeconds(CLOCK_THREAD_CPUTIME_ID)
    phase[2] += t1 - t0; phase[0] += t2 - t1; phase[1] += t3 - t2; phase[3] += t4 - t3; phase[4] += t5 - t4
}
var err = ""
for (name, seconds) in zip(names, phase) {
    let s = String(Int((seconds * 1e6).rounded()))
    let padded = String(repeating: "0", count: max(0, 7 - s.count)) + s
    err += "phase \(name) \(padded.dropLast(6)).\(padded.suffix(6))\n"
}
let total = String(Int((cpuSeconds(CLOCK_PROCESS_CPUTIME_ID) * 1e6).rounded()))
let tp = String(repeating: "0", count: max(0, 7 - total.count)) + total
err += "total process \(tp.dropLast(6)).\(tp.suffix(6))\n"
fputs(err, stderr)
print(accD, accI, other)
