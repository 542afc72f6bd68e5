# shellcheck shell=bash
# Helpers of the systemd init style's suites (systemd.slow.bats, systemd_cgroup.slow.bats), on
# top of lib.bash and security_lib.bash (load those first): the bookworm-systemd fixture
# (scripts/fixtures.sh --systemd; in the cgroup-v2 VM, which has no network for debootstrap,
# the one the host built first: the ctest fixture systemd_fixture, tests/CMakeLists.txt) and
# guests made from it.

# setup_file of both suites: FIXTURE, the fixture's tarball.
sd_setup_file() {
    [[ $EUID -eq 0 ]] || skip "needs root"
    export FIXTURE
    if [[ -n ${VS_TEST_VM:-} && ! -s $VS_BUILD_DIR/fixtures/bookworm-systemd.tar.zst ]]; then
        echo "no $VS_BUILD_DIR/fixtures/bookworm-systemd.tar.zst: build it on the host first" \
            "(scripts/fixtures.sh $VS_BUILD_DIR --systemd)" >&2
        return 1
    fi
    FIXTURE=$(VS_BIN=$VS_BIN bash "$VS_SOURCE_DIR/scripts/fixtures.sh" "$VS_BUILD_DIR" --systemd |
        tail -1)
    [[ -s $FIXTURE ]]
}

# sd_guest NAME [--no-userns]: a guest from the systemd fixture, style systemd.
sd_guest() {
    vs "$1" build -m template ${2:-} -- -t "$FIXTURE" >/dev/null
    echo systemd >"$(guest_cfg "$1")/apps/init/style"
    VS_GUESTS+=("$1")
}

# sd_probe_guest NAME: sd_guest with the battery's static vs-probe at /bin/vs-probe, started
# and booted (its systemd is running, so what it mounts and unshares is in place).
sd_probe_guest() {
    sd_guest "$1"
    install -m 0755 "$PROBE_BIN" "$(guest_root "$1")/bin/vs-probe"
    vs "$1" start
    boot_state "$1" >/dev/null
}

gsh() { vs g1 exec sh -c "$1"; }

# Waits (bounded) until the guest's systemd has finished booting; prints its state. Until its
# private bus socket exists systemctl answers at once ("offline"); from then on one call waits
# for the end of the boot (--wait), so the loop turns a few times at most.
boot_state() {
    local s
    for _ in $(seq 150); do
        s=$(vs "$1" exec timeout 600 systemctl is-system-running --wait 2>/dev/null) || true
        [[ $s == running || $s == degraded ]] && break
        sleep 0.2
    done
    echo "$s"
}

# vstest.service in the root $1, wanted by multi-user.target: says so at start and at stop.
install_vstest_unit() {
    cat >"$1/etc/systemd/system/vstest.service" <<'UNIT'
[Unit]
Description=vserver-ng test unit
[Service]
ExecStart=/bin/sh -c 'echo vstest-started; exec sleep infinity'
ExecStop=/bin/sh -c 'echo vstest-stopping'
[Install]
WantedBy=multi-user.target
UNIT
    ln -s ../vstest.service "$1/etc/systemd/system/multi-user.target.wants/vstest.service"
}
