#!/usr/bin/env python3
"""Load test of `pyrometer serve`'s ingest: N concurrent pushers send M profiles in all, half through our
/api/v1/profiles and half through Pyroscope's /ingest, each profile with labels naming its pusher and sequence
number; then the store is listed and every (pusher, seq, sample type) must be there exactly once: nothing lost,
nothing doubled. Prints the latency percentiles of the pushes. Exit status 1 when a push failed or the store
disagrees.

Usage: load-push.py --url http://127.0.0.1:4040 --pyrometer PATH/pyrometer --store sqlite:PATH \
           --profile samples/go-cpu.pb.gz [--pushers 50] [--profiles 5000]
"""
import argparse
import concurrent.futures
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def push(url, body, pusher, seq):
    if pusher % 2 == 0:
        query = urllib.parse.urlencode([("service", "load"), ("label", f"pusher:{pusher}"), ("label", f"seq:{seq}")])
        target = f"{url}/api/v1/profiles?{query}"
    else:
        now = int(time.time())
        name = f"load{{pusher={pusher},seq={seq}}}"
        query = urllib.parse.urlencode([("name", name), ("from", now), ("until", now + 10), ("format", "pprof")])
        target = f"{url}/ingest?{query}"
    request = urllib.request.Request(target, data=body, method="POST",
                                     headers={"Content-Type": "application/octet-stream"})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        return (pusher, seq, f"network: {error}", time.perf_counter() - started)
    return (pusher, seq, status, time.perf_counter() - started)


def pusher_loop(url, body, pusher, count):
    return [push(url, body, pusher, seq) for seq in range(count)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--pyrometer", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--pushers", type=int, default=50)
    parser.add_argument("--profiles", type=int, default=5000)
    args = parser.parse_args()
    body = open(args.profile, "rb").read()
    per_pusher = args.profiles // args.pushers
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.pushers) as pool:
        futures = [pool.submit(pusher_loop, args.url, body, p, per_pusher) for p in range(args.pushers)]
        results = [r for f in futures for r in f.result()]
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r[2] != 200]
    latencies = sorted(r[3] for r in results)

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000

    print(f"  {len(results)} pushes from {args.pushers} pushers in {elapsed:.1f} s "
          f"({len(results) / elapsed:.0f} pushes/s); {len(failed)} failed")
    print(f"  latency ms: p50 {percentile(50):.1f}  p90 {percentile(90):.1f}  p99 {percentile(99):.1f}  "
          f"max {latencies[-1] * 1000:.1f}")
    for r in failed[:5]:
        print(f"  failed: pusher {r[0]} seq {r[1]}: {r[2]}")

    listing = subprocess.run([args.pyrometer, "store", "list", "service=load", "--format", "json",
                              "--store", args.store], capture_output=True, check=True)
    stored = json.loads(listing.stdout)
    seen = {}
    for profile in stored:
        labels = profile["labels"]
        key = (int(labels["pusher"]), int(labels["seq"]), profile["sample_type"])
        seen[key] = seen.get(key, 0) + 1
    types = sorted({key[2] for key in seen})
    expected = {(p, s, t) for p in range(args.pushers) for s in range(per_pusher) for t in types}
    lost = expected - set(seen)
    doubled = [key for key, count in seen.items() if count > 1]
    print(f"  store: {len(stored)} profiles ({', '.join(types)}); lost {len(lost)}, doubled {len(doubled)}")
    ok = not failed and not lost and not doubled and len(seen) == len(expected) and types
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
