package main

// -serve-requests N: a simulated HTTP-like server whose CPU profile carries runtime/pprof labels (pprof.Do), for
// Pyrometer's pprof conformance tests of refinements (focus, tag filters, granularities) and per-label hotspots.
//
// Each request runs under the labels endpoint=/export|/search|/health and request=req-NNN; each stage of a handler
// runs under a nested pprof.Do that adds stage=parse|encode|compress|score|render|check. Work is counted in loop
// iterations, sized so that per request (on the machine that made samples/go-labels.pb.gz)
//
//	/export  ~175 ms: parseQuery ~11%, encodeRows ~62% (most of it in mix, inlined), compressBlock ~26%
//	/search   ~90 ms: parseQuery ~8%, scoreDocs ~82%, renderResults ~10% (most of it in encodeRows)
//	/health    ~4 ms: checkHealth
//
// and after every request flushMetrics (~10 ms) runs with no labels. Requests go export, search, health, search,
// export, search, ... so 60 requests are 20 /export, 30 /search and 10 /health: about 52%, 39%, 0.6% of the CPU and
// 9% unlabelled, ~6.7 s of CPU. The program runs on one locked thread and prints each phase's thread CPU time
// (CLOCK_THREAD_CPUTIME_ID) as `phase ENDPOINT:STAGE SECONDS PERCENT FUNCTION`, then per function, endpoint and
// request.
//
// The profile rate is 250 Hz (-hz): Linux runs the per-thread CPU timers that Go's profiler uses once per scheduler
// tick (CONFIG_HZ=250 on Debian), so a higher rate gets no more samples, while the profile's period claims it did.

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"unsafe"
)

// Work per request, in each function's own units (rows, batches, passes over the query).
const (
	exportParseUnits    = 136000
	exportEncodeUnits   = 49800
	exportCompressUnits = 20800
	searchParseUnits    = 46000
	searchScoreUnits    = 28800
	searchRenderUnits   = 3180
	healthUnits         = 122000
	metricsUnits        = 294000
)

// threadCPU is this thread's CPU time in nanoseconds (clock_gettime(CLOCK_THREAD_CPUTIME_ID)).
func threadCPU() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 3, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

type phase struct{ name, function string }

var (
	phases    []phase
	phaseNano = map[string]int64{}
	// renderEncodeNano is the part of /search:render spent in encodeRows (measured inside renderResults).
	renderEncodeNano int64
)

func record(name, function string, t0 int64) {
	if _, ok := phaseNano[name]; !ok {
		phases = append(phases, phase{name, function})
	}
	phaseNano[name] += threadCPU() - t0
}

//go:noinline
func handleExport(ctx context.Context) {
	pprof.Do(ctx, pprof.Labels("stage", "parse"), func(context.Context) {
		t := threadCPU()
		parseQuery(exportParseUnits)
		record("/export:parse", "parseQuery", t)
	})
	pprof.Do(ctx, pprof.Labels("stage", "encode"), func(context.Context) {
		t := threadCPU()
		encodeRows(exportEncodeUnits)
		record("/export:encode", "encodeRows", t)
	})
	pprof.Do(ctx, pprof.Labels("stage", "compress"), func(context.Context) {
		t := threadCPU()
		compressBlock(exportCompressUnits)
		record("/export:compress", "compressBlock", t)
	})
}

//go:noinline
func handleSearch(ctx context.Context) {
	pprof.Do(ctx, pprof.Labels("stage", "parse"), func(context.Context) {
		t := threadCPU()
		parseQuery(searchParseUnits)
		record("/search:parse", "parseQuery", t)
	})
	pprof.Do(ctx, pprof.Labels("stage", "score"), func(context.Context) {
		t := threadCPU()
		scoreDocs(searchScoreUnits)
		record("/search:score", "scoreDocs", t)
	})
	pprof.Do(ctx, pprof.Labels("stage", "render"), func(context.Context) {
		t := threadCPU()
		renderResults(searchRenderUnits)
		record("/search:render", "renderResults", t)
	})
}

//go:noinline
func handleHealth(ctx context.Context) {
	pprof.Do(ctx, pprof.Labels("stage", "check"), func(context.Context) {
		t := threadCPU()
		checkHealth(healthUnits)
		record("/health:check", "checkHealth", t)
	})
}

// checkHealth is the whole of a /health request: a short xorshift loop.
//
//go:noinline
func checkHealth(n int) uint64 {
	x := uint64(0x452821E638D01377)
	for i := 0; i < n*16; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	out[3] ^= x
	return x
}

// flushMetrics runs between requests, outside any pprof.Do: its samples carry no labels.
//
//go:noinline
func flushMetrics(n int) uint64 {
	m := uint64(0xBE5466CF34E90C6C)
	for i := 0; i < n*16; i++ {
		m = m*6364136223846793005 + 1442695040888963407
		m ^= m >> 33
	}
	out[4] += m
	return m
}

type request struct {
	id, endpoint string
	nano         int64
}

//go:noinline
func serveRequests(n int) []request {
	handlers := map[string]func(context.Context){"/export": handleExport, "/search": handleSearch, "/health": handleHealth}
	order := []string{"/export", "/search", "/health", "/search", "/export", "/search"}
	done := make([]request, 0, n)
	for i := 0; i < n; i++ {
		endpoint := order[i%len(order)]
		id := fmt.Sprintf("req-%03d", i+1)
		t := threadCPU()
		pprof.Do(context.Background(), pprof.Labels("endpoint", endpoint, "request", id), handlers[endpoint])
		done = append(done, request{id, endpoint, threadCPU() - t})
		t = threadCPU()
		flushMetrics(metricsUnits)
		record("-:metrics", "flushMetrics", t)
	}
	return done
}

func init() { serveMode = serve }

// serve runs n requests under a CPU profile at hz samples per second written to cpuOut, and prints its timings to w.
func serve(cpuOut string, n, hz int, w io.Writer) error {
	runtime.LockOSThread()
	fillTable()
	f, err := os.Create(cpuOut)
	if err != nil {
		return err
	}
	// StartCPUProfile asks for 100 Hz and prints "cannot set cpu profile rate" when a rate is set already: the rate
	// set here stays, and the profile's period says so.
	runtime.SetCPUProfileRate(hz)
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	t0 := threadCPU()
	done := serveRequests(n)
	thread := threadCPU() - t0
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return err
	}

	var timed int64
	for _, p := range phases {
		timed += phaseNano[p.name]
	}
	process := syscall.TimevalToNsec(after.Utime) + syscall.TimevalToNsec(after.Stime) -
		syscall.TimevalToNsec(before.Utime) - syscall.TimevalToNsec(before.Stime)
	pct := func(v int64) float64 { return 100 * float64(v) / float64(timed) }
	fmt.Fprintf(w, "# goapp -serve-requests %d -hz %d (%s %s/%s): CPU seconds measured by the program itself on its one\n",
		n, hz, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "# locked thread (CLOCK_THREAD_CPUTIME_ID); percent of all timed phases.\n")
	fmt.Fprintf(w, "# /search:render includes encodeRows (the `part` line).\n")
	fmt.Fprintf(w, "# phase ENDPOINT:STAGE SECONDS PERCENT FUNCTION (stage labels; `-` = no labels)\n")
	for _, p := range phases {
		v := phaseNano[p.name]
		fmt.Fprintf(w, "phase %s %.4f %.1f %s\n", p.name, float64(v)/1e9, pct(v), p.function)
	}
	fmt.Fprintf(w, "part /search:render:encodeRows %.4f %.1f encodeRows (inside renderResults)\n",
		float64(renderEncodeNano)/1e9, pct(renderEncodeNano))
	fmt.Fprintf(w, "# function SECONDS PERCENT (total time in it, from the phases)\n")
	fn := map[string]int64{}
	var fnOrder []string
	for _, p := range phases {
		if _, ok := fn[p.function]; !ok {
			fnOrder = append(fnOrder, p.function)
		}
		fn[p.function] += phaseNano[p.name]
	}
	fn["renderResults"] -= renderEncodeNano
	fn["encodeRows"] += renderEncodeNano
	for _, name := range fnOrder {
		fmt.Fprintf(w, "function %s %.4f %.1f\n", name, float64(fn[name])/1e9, pct(fn[name]))
	}
	fmt.Fprintf(w, "# endpoint NAME REQUESTS SECONDS PERCENT (whole requests, handler overhead included)\n")
	byEndpoint := map[string]int64{}
	count := map[string]int{}
	for _, r := range done {
		byEndpoint[r.endpoint] += r.nano
		count[r.endpoint]++
	}
	for _, e := range []string{"/export", "/search", "/health"} {
		fmt.Fprintf(w, "endpoint %s %d %.4f %.1f\n", e, count[e], float64(byEndpoint[e])/1e9, pct(byEndpoint[e]))
	}
	fmt.Fprintf(w, "# request ID ENDPOINT SECONDS\n")
	for _, r := range done {
		fmt.Fprintf(w, "request %s %s %.4f\n", r.id, r.endpoint, float64(r.nano)/1e9)
	}
	fmt.Fprintf(w, "total timed %.4f thread %.4f process %.4f (getrusage: all threads, GC and profiler included)\n",
		float64(timed)/1e9, float64(thread)/1e9, float64(process)/1e9)
	return nil
}
