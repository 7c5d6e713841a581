// goapp writes real Go CPU and heap profiles (runtime/pprof) for Pyrometer's samples and tests.
//
// Like samples/src/hotspot.c its profile is known by construction: nearly all CPU time is spent under hashLoop
// (in crypto/sha256), buildIndex allocates 25 MiB that stay live until the heap profile is written (the top of both
// alloc_* and inuse_*), and churn allocates buffers that it drops at once (large in alloc_*, near zero in inuse_*).
// Go's heap profile is sampled and reflects the last completed GC, so its figures are estimates.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

var retained [][]byte

// sink makes churn's buffers escape to the heap (a buffer that does not escape lives on the stack).
var sink []byte

//go:noinline
func hashLoop(rounds int) byte {
	sum := [32]byte{}
	for i := 0; i < rounds; i++ {
		sum = sha256.Sum256(sum[:])
	}
	return sum[0]
}

//go:noinline
func buildIndex(n int) {
	for i := 0; i < n; i++ {
		retained = append(retained, make([]byte, 64<<10))
	}
}

//go:noinline
func churn(n int) int {
	total := 0
	for i := 0; i < n; i++ {
		sink = make([]byte, 16<<10)
		total += len(sink)
	}
	return total
}

func main() {
	cpuOut := flag.String("cpu", "go-cpu.pb.gz", "CPU profile output")
	heapOut := flag.String("heap", "go-heap.pb.gz", "heap profile output")
	rounds := flag.Int("rounds", 3_000_000, "hash rounds")
	churnBuffers := flag.Int("churn", 4000, "buffers churn allocates (Pyrometer's gate tests plant a 30% growth here)")
	gcFirst := flag.Bool("gc", false, "run a GC before writing the heap profile, so that it counts every allocation made")
	flag.Parse()

	runtime.MemProfileRate = 4096
	cpu, err := os.Create(*cpuOut)
	if err != nil {
		panic(err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		panic(err)
	}
	h := hashLoop(*rounds)
	buildIndex(400)
	c := churn(*churnBuffers)
	pprof.StopCPUProfile()
	cpu.Close()

	if *gcFirst {
		runtime.GC()
	}
	heap, err := os.Create(*heapOut)
	if err != nil {
		panic(err)
	}
	if err := pprof.WriteHeapProfile(heap); err != nil {
		panic(err)
	}
	heap.Close()
	fmt.Println(h, c, len(retained))
}
