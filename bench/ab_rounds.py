"""Interleaved start+stop rounds of guest "ab", shared by bench/ab_start_stop.py and
bench/ab_socket_guard.py.

The rounds take turns (A, B, A, B...), so a machine whose speed drifts affects every side
alike; the first WARMUP rounds are not counted.
"""
import statistics
import subprocess
import time

WARMUP = 3


def run_rounds(sides, rounds):
    """sides: (label, vserver binary, env) each. Returns {label: (start ms list, stop ms list)}."""
    times = {label: ([], []) for label, _, _ in sides}
    for i in range(rounds + WARMUP):
        for label, vs, env in sides:
            a = time.perf_counter()
            subprocess.run([vs, "ab", "start"], env=env, check=True)
            m = time.perf_counter()
            subprocess.run([vs, "ab", "stop"], env=env, check=True)
            z = time.perf_counter()
            if i >= WARMUP:
                times[label][0].append((m - a) * 1e3)
                times[label][1].append((z - m) * 1e3)
    return times


def print_medians(times, name="{:12}"):
    """One line per side: the median start, stop and start+stop; `name` formats the label."""
    for label, (starts, stops) in times.items():
        total = [a + b for a, b in zip(starts, stops)]
        print(f"{name.format(label)} start {statistics.median(starts):.2f} ms  stop "
              f"{statistics.median(stops):.2f} ms  start+stop {statistics.median(total):.2f} ms")
