package main

// The export path's work: encodeRows (through mix, which the compiler inlines) and compressBlock.

// table is the row data that encodeRows and compressBlock read (filled by fillTable).
var table [1024]uint64

// out keeps results alive so that the compiler cannot drop the loops.
var out [64]uint64

func fillTable() {
	x := uint64(88172645463325252)
	for i := range table {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		table[i] = x
	}
}

// mix is small enough for Go's inliner (go build -gcflags=-m says "can inline mix"): encodeRows's samples land on its
// lines, which pprof reports as an inline frame main.mix above main.encodeRows in the same location.
func mix(h, v uint64) uint64 {
	h ^= v
	h *= 0x9E3779B97F4A7C15
	h ^= h >> 29
	return h
}

// encodeRows encodes n rows of len(table) values each, through the inlined mix.
//
//go:noinline
func encodeRows(n int) uint64 {
	h := uint64(0x243F6A8885A308D3)
	for r := 0; r < n; r++ {
		for i := range table {
			h = mix(h, table[i])
		}
		out[r&63] = h
	}
	return h
}

// compressBlock does its work itself (no calls in its loop): a rolling hash with a multiply and shifts per value.
//
//go:noinline
func compressBlock(n int) uint64 {
	c := uint64(0x13198A2E03707344)
	for b := 0; b < n; b++ {
		for i := range table {
			c = (c ^ table[i]>>3) * 0xBF58476D1CE4E5B9
			c ^= c >> 31
		}
		out[b&63] ^= c
	}
	return c
}
