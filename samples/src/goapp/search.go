package main

// The search path's work: scoreDocs (its own loop) and renderResults (which encodes a few rows with encodeRows).

// scoreDocs scores n batches of documents against the table: a dependent chain of multiply-adds per value.
//
//go:noinline
func scoreDocs(n int) uint64 {
	s := uint64(0xA4093822299F31D0)
	for d := 0; d < n; d++ {
		for i := range table {
			s = s*0x5851F42D4C957F2D + table[i] ^ uint64(d)
			s ^= s >> 27
		}
		out[d&63] += s
	}
	return s
}

// renderSteps is renderResults's own work per row.
const renderSteps = 440

// renderResults renders the hits: a little bookkeeping of its own, then encodeRows (so encodeRows is reached from
// both handlers).
//
//go:noinline
func renderResults(n int) uint64 {
	r := uint64(0x082EFA98EC4E6C89)
	for i := 0; i < n*renderSteps; i++ {
		r ^= r << 7
		r ^= r >> 9
	}
	out[1] ^= r
	t := threadCPU()
	h := encodeRows(n)
	renderEncodeNano += threadCPU() - t
	return h
}
