// goapp writes real Go CPU and heap profiles (runtime/pprof) for Pyrometer's samples and tests.
//
// Like samples/src/hotspot.c its profile is known by construction: nearly all CPU time is spent under hashLoop
// (in crypto/sha256), buildIndex allocates 25 MiB that stay live until the heap profile is written (the top of both
// alloc_* and inuse_*), and churn allocates buffers that it drops at once (large in alloc_*, near zero in inuse_*).
// Go's heap profile is sampled and reflects the last completed GC, so its figures are estimates.
//
// With -serve-requests N it writes instead only a CPU profile with pprof labels, of a simulated server (server.go and
// the files it uses). main.go builds alone too (scripts/make-diff-fixtures.sh copies only it), without that mode.
package main

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
)

var retained [][]byte

// serveMode is -serve-requests, set by server.go when it is built in.
var serveMode func(cpuOut string, requests, hz int, w io.Writer) error

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
	serveN := flag.Int("serve-requests", 0,
		"simulate N labelled requests (server.go): write only the CPU profile -cpu, print the timings")
	hz := flag.Int("hz", 250, "CPU profile rate of -serve-requests (at most the kernel's CONFIG_HZ: see server.go)")
	flag.Parse()

	if *serveN > 0 {
		if serveMode == nil {
			fmt.Fprintln(os.Stderr, "goapp: -serve-requests needs server.go, encode.go, search.go and query.go")
			os.Exit(2)
		}
		if err := serveMode(*cpuOut, *serveN, *hz, os.Stdout); err != nil {
			panic(err)
		}
		return
	}

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
