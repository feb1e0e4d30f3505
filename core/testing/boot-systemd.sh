#!/bin/sh
# Test harness, not shipped: boots the machine's own systemd as PID 1 of a new PID, mount, UTS and
# IPC namespace over the host's filesystem, with /etc, /usr and /var as overlays on a tmpfs and a
# private /run, /tmp and /opt, so nothing it or a package install writes reaches the host.
# Run by core/testing/systemd-boot.ts as: unshare --pid --fork --mount --uts --ipc --mount-proc \
#   boot-systemd.sh WORK CONSOLE KEEP   (WORK: an empty folder of the host's, the overlays' tmpfs
#   goes on it; CONSOLE: a file of the host's, bound over /dev/console, where systemd logs; KEEP:
#   the repository, kept visible inside even when it lies below /tmp, /run or /opt, as a clone
#   made with mktemp does)
# It boots into cloison-test.target, which pulls in nothing; every unit sysinit.target wants is
# masked but the journal, so no service of the host's (sysctl, modules, udev, getty, networking,
# timers) runs twice or touches the kernel's settings.
set -eu
work="$1"
console="$2"
keep="${3:-}"
# A handle on the repository before anything is mounted over the folders above it.
if [ -n "$keep" ]; then exec 9<"$keep"; fi
mount --make-rprivate /
# systemd in a container logs to /dev/console: the file, not the host's real console.
mount --bind "$console" /dev/console
mount -t tmpfs -o mode=0755 cloison-boot "$work"
for d in etc usr var; do
  mkdir -p "$work/$d.upper" "$work/$d.work"
  mount -t overlay "cloison-$d" -o "lowerdir=/$d,upperdir=$work/$d.upper,workdir=$work/$d.work" "/$d"
done
for d in run tmp opt; do mount -t tmpfs -o mode=0755 "cloison-$d" "/$d"; done
chmod 1777 /tmp
# The repository again where it was, if one of those tmpfs hid it.
if [ -n "$keep" ] && [ ! -d "$keep/core/testing" ]; then
  mkdir -p "$keep"
  mount --no-canonicalize --bind /proc/self/fd/9 "$keep"
fi
exec 9<&-
# Its own /dev/shm too: the daemon keeps ephemeral homes there (/dev/shm/cloison-<uid>), which
# would otherwise be left on the host under an account that exists only in this namespace.
mount -t tmpfs -o mode=1777 cloison-shm /dev/shm

units=/etc/systemd/system
cat >"$units/cloison-test.target" <<'EOF'
[Unit]
Description=Cloison's systemd boot test (nothing but what the test starts)
AllowIsolate=yes
EOF
for dir in /lib/systemd/system/sysinit.target.wants "$units/sysinit.target.wants" \
  /lib/systemd/system/local-fs.target.wants "$units/local-fs.target.wants" \
  /lib/systemd/system/sockets.target.wants "$units/timers.target.wants"; do
  [ -d "$dir" ] || continue
  for unit in "$dir"/*; do
    name="$(basename "$unit")"
    case "$name" in
      systemd-journald.service | systemd-journald.socket | systemd-journald-dev-log.socket) ;;
      *) ln -sfn /dev/null "$units/$name" ;;
    esac
  done
done
# Nothing of the host's enabled services either, should anything pull multi-user.target in.
rm -rf "$units/multi-user.target.wants" "$units/getty.target.wants" "$units/timers.target.wants"
for name in getty@.service console-getty.service serial-getty@.service systemd-logind.service \
  systemd-networkd.service networking.service systemd-resolved.service systemd-udevd.service \
  systemd-timesyncd.service systemd-remount-fs.service systemd-fsck-root.service; do
  ln -sfn /dev/null "$units/$name"
done
# v1 controllers are shared with the host (a hybrid hierarchy): this systemd accounts nothing in
# them, so it creates cgroups only in its own name=systemd and unified subtrees.
mkdir -p /etc/systemd/system.conf.d
cat >/etc/systemd/system.conf.d/cloison-test.conf <<'EOF'
[Manager]
DefaultCPUAccounting=no
DefaultMemoryAccounting=no
DefaultTasksAccounting=no
DefaultIOAccounting=no
DefaultBlockIOAccounting=no
EOF
# A machine-id of its own (the host has none here, and systemd would otherwise make one in /etc).
cat /proc/sys/kernel/random/uuid | tr -d - >/etc/machine-id
export container=cloison-test
exec /lib/systemd/systemd --unit=cloison-test.target --log-target=console --show-status=no
