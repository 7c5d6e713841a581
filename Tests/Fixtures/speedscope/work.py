# A Python program whose costs are known by construction, for py-spy's speedscope output
# (scripts/make-speedscope-fixtures.sh): heavy spins for 0.6 s and light for 0.2 s, twice each; nap sleeps 0.4 s.
# It prints the wall time each phase measured itself. Spins are timed by the wall clock because py-spy samples a
# thread that is running or runnable by the wall clock: on a busy machine a CPU-time spin would last longer.
import sys, time

def spin(seconds):
    end = time.perf_counter() + seconds
    x = 0
    while time.perf_counter() < end:
        x += 1
    return x

def heavy(): return spin(0.6)
def light(): return spin(0.2)
def nap(): time.sleep(0.4)

spent = {"heavy": 0.0, "light": 0.0, "nap": 0.0}
for _ in range(2):
    for name, phase in (("heavy", heavy), ("light", light), ("nap", nap)):
        start = time.perf_counter()
        phase()
        spent[name] += time.perf_counter() - start
for name, seconds in spent.items():
    print(f"phase {name} {seconds:.4f}")
