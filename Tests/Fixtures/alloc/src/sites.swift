// Allocation sites whose counts are known by construction, in Swift (Tests/Fixtures/alloc/README.md). Class
// instances come from swift_allocObject; -DSITE_B_MORE makes siteB allocate 30% more objects.
final class Small { var value: Int; init(_ value: Int) { self.value = value } }   // 16-byte header + 8
final class Large {                                                                // 16-byte header + 128
    var a = (0, 0, 0, 0, 0, 0, 0, 0), b = (0, 0, 0, 0, 0, 0, 0, 0)
    init(_ seed: Int) { a.0 = seed }
}

@inline(never) func siteA(_ i: Int) -> Small { Small(i) }        // 1000 objects, released at once
@inline(never) func siteB(_ i: Int) -> Large { Large(i) }        // 500 objects (650 with SITE_B_MORE), kept
@inline(never) func siteC(_ i: Int) -> [Int] { [Int](repeating: i, count: 64) }  // 200 arrays of 64 Ints

#if SITE_B_MORE
let siteBCount = 650
#else
let siteBCount = 500
#endif

var sum = 0
for i in 0 ..< 1000 { sum &+= siteA(i).value }
var kept: [Large] = []
kept.reserveCapacity(1000)
for i in 0 ..< siteBCount { kept.append(siteB(i)) }
for i in 0 ..< 200 { sum &+= siteC(i)[i % 64] }
print(sum &+ kept.count)
