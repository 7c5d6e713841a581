// Symbolizer fixture: Swift with generics, closures, a struct method and inlining at -O.
struct Accumulator {
    var total = 0
    @inline(never) mutating func add(_ values: [Int]) {
        total += values.map { $0 &* 31 }.reduce(0, &+)
    }
}

@inline(never) func transform<T: BinaryInteger>(_ values: [T], by factor: T) -> [T] {
    values.map { value in value * factor + 1 }
}

@inline(never) func run(_ n: Int) -> Int {
    var accumulator = Accumulator()
    let values = transform(Array(0 ..< n), by: 3)
    accumulator.add(values)
    return accumulator.total
}

let n = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 100 : 100
print(run(n))
