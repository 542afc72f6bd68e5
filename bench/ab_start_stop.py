#!/usr/bin/env python3
"""Interleaved start+stop of one reaper guest per vserver build, to compare builds.

Usage: bench/ab_start_stop.py ROUNDS LABEL=BIN_DIR [LABEL=BIN_DIR[:ENV=VALUE]]...
VS_AB_BUILD_ARGS as the ENV adds options to that guest's build, e.g. to compare a classic and
a user-namespaced guest of one build:
  bench/ab_start_stop.py 100 userns=build/bin classic=build/bin:VS_AB_BUILD_ARGS=--no-userns

Each build gets its own skeleton guest under a temp VSERVER_PREFIX (its run dir on a tmpfs, as
production /run is) and a random cgroup parent. The rounds take turns (A, B, A, B...), so a
machine whose speed drifts (this 2-vCPU VM's did by 25% within an hour) affects every build
alike; the first 3 rounds are warm-up. Prints the median start, stop and start+stop times.
Cleanup deletes the guests (and with them the cgroup parents) and the prefixes.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    builds = []
    try:
        for arg in sys.argv[2:]:
            label, rest = arg.split("=", 1)
            bindir, _, extra = rest.partition(":")
            prefix = tempfile.mkdtemp(prefix="vs-ab.")
            env = dict(os.environ, VSERVER_PREFIX=prefix,
                       VSERVER_CGROUP_PARENT=f"vsab-{os.getpid()}-{label}")
            if extra:
                k, v = extra.split("=", 1)
                env[k] = v
            os.makedirs(prefix + "/run")
            builds.append((label, bindir + "/vserver", env, prefix, [], []))
            subprocess.run(["mount", "-t", "tmpfs", "vs-ab-run", prefix + "/run"], check=True)
            subprocess.run([bindir + "/vserver", "ab", "build", "-m", "skeleton", "--initstyle",
                            "reaper"] + env.get("VS_AB_BUILD_ARGS", "").split(), env=env,
                           check=True, capture_output=True)
        for i in range(rounds + 3):
            for label, vs, env, prefix, starts, stops in builds:
                a = time.perf_counter()
                subprocess.run([vs, "ab", "start"], env=env, check=True)
                m = time.perf_counter()
                subprocess.run([vs, "ab", "stop"], env=env, check=True)
                z = time.perf_counter()
                if i >= 3:
                    starts.append((m - a) * 1e3)
                    stops.append((z - m) * 1e3)
        for label, vs, env, prefix, starts, stops in builds:
            total = [a + b for a, b in zip(starts, stops)]
            print(f"{label:12} start {statistics.median(starts):.2f} ms  stop "
                  f"{statistics.median(stops):.2f} ms  start+stop {statistics.median(total):.2f} ms")
    finally:
        for label, vs, env, prefix, starts, stops in builds:
            subprocess.run([vs, "ab", "delete", "--force"], env=env, capture_output=True)
            subprocess.run(["umount", prefix + "/run"], capture_output=True)
            subprocess.run(["rm", "-rf", prefix])


if __name__ == "__main__":
    main()
