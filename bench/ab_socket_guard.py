#!/usr/bin/env python3
"""Interleaved start+stop with the BPF LSM socket guard on and off, one build.

Usage: bench/ab_socket_guard.py ROUNDS [BIN_DIR]   (BIN_DIR default build/bin)

Three reaper guests, each under its own temp VSERVER_PREFIX (run dir on a tmpfs) and cgroup
parent: "on" starts with the guard where the kernel runs it; "off" and "off2" have their run
dir's probe cache (RUN_DIR/.bpf-lsm-support) rewritten to "unusable" after a first start, so
their starts skip the guard. off2 is an A/A control: the spread between off and off2 is the
noise floor the on/off difference must be read against. Rounds take turns; 3 warm-up rounds.
Where the kernel cannot run the guard (status shows a Note), all three measure the same path.
"""
import os
import subprocess
import sys
import tempfile

from ab_rounds import print_medians, run_rounds


def status_line(vs, env):
    out = subprocess.run([vs, "ab", "status"], env=env, capture_output=True, text=True).stdout
    return " | ".join(out.strip().splitlines())


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    vs = (sys.argv[2] if len(sys.argv) > 2 else "build/bin") + "/vserver"
    guests = []
    try:
        for label in ("on", "off", "off2"):
            prefix = tempfile.mkdtemp(prefix="vs-abg.")
            env = dict(os.environ, VSERVER_PREFIX=prefix,
                       VSERVER_CGROUP_PARENT=f"vsabg-{os.getpid()}-{label}")
            os.makedirs(prefix + "/run")
            subprocess.run(["mount", "-t", "tmpfs", "vs-abg-run", prefix + "/run"], check=True)
            guests.append((label, env, prefix))
            subprocess.run([vs, "ab", "build", "-m", "skeleton", "--initstyle", "reaper"],
                           env=env, check=True, capture_output=True)
            subprocess.run([vs, "ab", "start"], env=env, check=True)
            subprocess.run([vs, "ab", "stop"], env=env, check=True)
            if label != "on":
                cache = prefix + "/run/vservers/.bpf-lsm-support"
                key = open(cache).read().splitlines()[0]
                with open(cache, "w") as f:
                    f.write(key + "\nunusable switched off for the A/B\n")
            subprocess.run([vs, "ab", "start"], env=env, check=True)
            print(f"{label}: {status_line(vs, env)}")
            subprocess.run([vs, "ab", "stop"], env=env, check=True)
        times = run_rounds([(label, vs, env) for label, env, _ in guests], rounds)
        print_medians(times, "guard {:4}")
    finally:
        for label, env, prefix in guests:
            subprocess.run([vs, "ab", "delete", "--force"], env=env, capture_output=True)
            subprocess.run(["umount", prefix + "/run"], capture_output=True)
            subprocess.run(["rm", "-rf", prefix])


if __name__ == "__main__":
    main()
