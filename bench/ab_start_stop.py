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
import subprocess
import sys
import tempfile

from ab_rounds import print_medians, run_rounds


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
            builds.append((label, bindir + "/vserver", env, prefix))
            subprocess.run(["mount", "-t", "tmpfs", "vs-ab-run", prefix + "/run"], check=True)
            subprocess.run([bindir + "/vserver", "ab", "build", "-m", "skeleton", "--initstyle",
                            "reaper"] + env.get("VS_AB_BUILD_ARGS", "").split(), env=env,
                           check=True, capture_output=True)
        times = run_rounds([(label, vs, env) for label, vs, env, _ in builds], rounds)
        print_medians(times)
    finally:
        for label, vs, env, prefix in builds:
            subprocess.run([vs, "ab", "delete", "--force"], env=env, capture_output=True)
            subprocess.run(["umount", prefix + "/run"], capture_output=True)
            subprocess.run(["rm", "-rf", prefix])


if __name__ == "__main__":
    main()
