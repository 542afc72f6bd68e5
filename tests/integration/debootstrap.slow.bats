#!/usr/bin/env bats
# Debian guests: the debootstrap method (run once per CI run by scripts/fixtures.sh, which caches
# a bookworm minbase template), then guests built from that template in seconds: one boots with
# init style sysv and runs an /etc/init.d service that stops again at `vserver stop`.

bats_require_minimum_version 1.5.0
load lib
load build_helpers

setup_file() {
  [[ $EUID -eq 0 ]] || skip "needs root"
  # The debootstrap method itself runs here (once, cached): it needs the host's apt mirror.
  export FIXTURE
  FIXTURE=$(VS_BIN=$VS_BIN bash "$VS_SOURCE_DIR/scripts/fixtures.sh" "$VS_BUILD_DIR" | tail -1)
  [[ -s $FIXTURE ]]
}

setup() {
  vs_setup
  export PATH="$VS_BIN:$PATH"
  export WORK=$(mktemp -d /tmp/vs-deb-work-XXXXXX)
}

teardown() {
  vs_teardown
  [[ -n ${WORK:-} ]] && rm -rf "$WORK"
}

# A sysv service with an LSB header, installed the Debian way (update-rc.d -> insserv).
install_service() {
  local root=$1
  cat > "$root/etc/init.d/vstest" <<'SCRIPT'
#!/bin/sh
### BEGIN INIT INFO
# Provides:          vstest
# Required-Start:    $local_fs
# Required-Stop:     $local_fs
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: vserver-ng test service: answers "hello from HOSTNAME" on 127.0.0.1:7777
### END INIT INFO
PIDFILE=/run/vstest.pid
case "$1" in
  start)
    start-stop-daemon --start --background --make-pidfile --pidfile $PIDFILE \
      --exec /usr/bin/perl -- -e '$0 = "vstest-service"; use IO::Socket::INET;
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 7777,
                                      Listen => 5, ReuseAddr => 1) or die "listen: $!";
        while (my $c = $s->accept) { print $c "hello from ", `hostname`; close $c }'
    echo started > /var/log/vstest.state ;;
  stop)
    start-stop-daemon --stop --pidfile $PIDFILE --retry 5
    rm -f $PIDFILE
    echo stopped > /var/log/vstest.state ;;
esac
exit 0
SCRIPT
  chmod 755 "$root/etc/init.d/vstest"
  chroot "$root" update-rc.d vstest defaults
}

# Host pids whose argv[0] is the service's.
service_pids() {
  local p
  for p in /proc/[0-9]*; do
    [[ "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" == "vstest-service "* ]] && echo "${p#/proc/}"
  done
  return 0
}

@test "debootstrap fixture: a bookworm minbase tree with sysv-rc and no cached .debs" {
  tar -tf "$FIXTURE" > "$WORK/list"
  grep -qx './etc/debian_version' "$WORK/list"
  grep -qx './etc/init.d/rc' "$WORK/list"
  grep -qx './usr/bin/perl' "$WORK/list"
  ! grep -q 'var/cache/apt/archives/.*\.deb$' "$WORK/list"
}

@test "a Debian guest from the template boots sysv, runs an init.d service, stops it at stop" {
  run vs deb build -m template --hostname debguest --initstyle sysv -- -t "$FIXTURE"
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  VS_GUESTS+=(deb)
  root=$(guest_root deb)
  [[ "$(cat "$(guest_cfg deb)/apps/init/style")" == sysv ]]
  install_service "$root"
  [[ -L $root/etc/rc3.d/S01vstest && -L $root/etc/rc6.d/K01vstest ]]

  run vs deb start
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # rc 3 starts the service in the background: poll (bounded) until it answers.
  answer=
  for _ in $(seq 50); do
    answer=$(vs deb exec perl -MIO::Socket::INET -e \
      'my $s = IO::Socket::INET->new("127.0.0.1:7777") or exit 1; print $s->getline' \
      2>/dev/null) && break
    sleep 0.2
  done
  [[ "$answer" == "hello from debguest" ]] || { echo "answer: '$answer'"; false; }
  [[ "$(cat "$root/var/log/vstest.state")" == started ]]
  # The service runs in the guest: in its cgroup, and unreachable from the host's loopback.
  svc=$(service_pids)
  [[ -n $svc ]]
  guest_cgroup_pids deb | grep -qx "$svc"
  ! perl -MIO::Socket::INET -e 'IO::Socket::INET->new("127.0.0.1:7777") or exit 1'

  run vs deb stop
  [[ $status -eq 0 ]] || { echo "$output"; false; }
  # Stopped by its own init script (rc 6 -> K01vstest), not only by the kill sequence.
  [[ "$(cat "$root/var/log/vstest.state")" == stopped ]]
  [[ ! -e /proc/$svc ]]
  [[ -z "$(service_pids)" ]]
  run vs deb status
  [[ $status -eq 3 ]]
}

@test "debootstrap: an unreachable mirror fails and leaves nothing, not even debootstrap's mounts" {
  run vs broken build -m debootstrap -- -d bookworm -m http://127.0.0.1:9/debian -- \
    --variant=minbase
  [[ $status -eq 1 ]] || { echo "$output"; false; }
  [[ "$output" == *debootstrap* ]]
  [[ ! -e $(guest_cfg broken) && ! -e $(guest_root broken) ]]
  [[ -z "$(find "$VSERVER_PREFIX" -name '.build-*')" ]]
  [[ -z "$(prefix_mounts)" ]]
}

@test "debootstrap: a bad distribution or mirror is refused before anything is created" {
  run vs x build -m debootstrap -- -d 'book/worm'
  [[ $status -eq 2 && "$output" == *'book/worm'* ]]
  run vs x build -m debootstrap -- -d bookworm -m not-a-url
  [[ $status -eq 2 && "$output" == *not-a-url* ]]
  [[ -z "$(find "$VSERVER_PREFIX" -mindepth 1)" ]]
}
