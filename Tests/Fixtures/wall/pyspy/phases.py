"""Per iteration: burn the CPU 10 ms, sleep 20 ms, wait 10 ms in select() for a pipe nobody writes; the program
times its phases itself and prints their shares of its wall time (the line kept beside the recording)."""
import os, select, sys, time

def burn(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass

def nap(seconds):
    time.sleep(seconds)

def wait_for_input(fd, seconds):
    select.select([fd], [], [], seconds)

def main(iterations):
    spent = {"burn": 0.0, "nap": 0.0, "wait_for_input": 0.0}
    reader, _writer = os.pipe()
    start = time.perf_counter()
    for _ in range(iterations):
        for name, phase, seconds in (("burn", burn, 0.010), ("nap", nap, 0.020),
                                     ("wait_for_input", lambda s: wait_for_input(reader, s), 0.010)):
            began = time.perf_counter()
            phase(seconds)
            spent[name] += time.perf_counter() - began
    wall = time.perf_counter() - start
    shares = " ".join(f"{name} {100 * value / wall:.1f}%" for name, value in spent.items())
    print(f"wall {wall:.3f} s: {shares}")

if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
