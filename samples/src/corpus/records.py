"""A Python program whose profile is known by construction, for Pyrometer's real-recording corpus
(Tests/Fixtures/real/python312-perf, scripts/make-real-corpus.sh). Run with `python3.12 -X perf`.

Each round spends about
  45%  in parse_records   } each does its work in its own body (builtins only, no Python-level calls of our own),
  34%  in score_records   } so it is the innermost `py::` frame of its samples
   7%  in make_records
   7%  in rank_records    (its time is in sorted() and the key lambda, which owns those samples)
   7%  in summarize
Each part's thread CPU time (time.thread_time()) is printed to stderr as `phase NAME SECONDS`.
Usage: records.py [CPU_SECONDS]   (default 0.5: rounds of ~100 ms run until the timed parts used that much CPU)
"""
import sys
import time

# Records and passes per round, chosen for the shares above. Rounds are long (~100 ms) so that periodic sampling
# does not alias with them (see inline_helper.c).
N_RECORDS = 100
PARSE_PASSES = 560
SCORE_PASSES = 2000
MAKE_PASSES = 110
RANK_PASSES = 240
SUMMARIZE_PASSES = 1150


def make_records(n, passes):
    out = []
    for p in range(passes):
        out = [f"{i},{(i * 7919 + p) % 1000},{(i * 104729) % 97},name{i % 13}" for i in range(n)]
    return out


def parse_records(lines, passes):
    parsed = []
    for _ in range(passes):
        parsed = []
        for line in lines:
            ident, value, weight, name = line.split(",")
            parsed.append((int(ident), int(value), int(weight), name.strip()))
    return parsed


def score_records(records, passes):
    total = 0
    for _ in range(passes):
        for ident, value, weight, name in records:
            score = (value * weight + ident) % 1009
            if score > 500:
                score -= len(name)
            total ^= score
    return total


def rank_records(records, passes):
    ranked = records
    for _ in range(passes):
        ranked = sorted(records, key=lambda r: (r[2], -r[1]))
    return ranked[0][0]


def summarize(records, passes):
    best = 0
    for _ in range(passes):
        values = [r[1] for r in records]
        best = max(best, sum(values) // len(values), min(values))
    return best


def main():
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
    names = ["parse_records", "score_records", "make_records", "rank_records", "summarize"]
    phase = dict.fromkeys(names, 0.0)
    check = 0
    while sum(phase.values()) < budget:
        t0 = time.thread_time()
        lines = make_records(N_RECORDS, MAKE_PASSES)
        t1 = time.thread_time()
        records = parse_records(lines, PARSE_PASSES)
        t2 = time.thread_time()
        check ^= score_records(records, SCORE_PASSES)
        t3 = time.thread_time()
        check ^= rank_records(records, RANK_PASSES)
        t4 = time.thread_time()
        check ^= summarize(records, SUMMARIZE_PASSES)
        t5 = time.thread_time()
        phase["make_records"] += t1 - t0
        phase["parse_records"] += t2 - t1
        phase["score_records"] += t3 - t2
        phase["rank_records"] += t4 - t3
        phase["summarize"] += t5 - t4
    for name in names:
        print(f"phase {name} {phase[name]:.6f}", file=sys.stderr)
    print(f"total process {time.process_time():.6f}", file=sys.stderr)
    print(check)


if __name__ == "__main__":
    main()
