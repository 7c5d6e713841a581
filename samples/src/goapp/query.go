package main

// parseQuery, called by both handlers, in a file of its own.

var queryText = []byte("select id, name, score from docs where name ~ 'pyro*' and score > 0.5 " +
	"order by score desc limit 50")

// parseQuery tokenizes the query n times: a byte loop with a small state machine.
//
//go:noinline
func parseQuery(n int) uint64 {
	var tokens, state uint64
	for k := 0; k < n; k++ {
		for _, c := range queryText {
			switch {
			case c == ' ':
				if state != 0 {
					tokens++
				}
				state = 0
			case c >= 'a' && c <= 'z':
				state = state*31 + uint64(c)
			default:
				tokens += uint64(c) & 3
				state ^= uint64(c)
			}
		}
	}
	out[2] += tokens ^ state
	return tokens
}
