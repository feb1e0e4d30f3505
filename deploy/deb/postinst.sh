#!/bin/sh
# The .deb's post-installation: the daemon's service account and the groups of its sockets, the
# kiosk account, the program at /usr/lib/cloison (where the units look for it), the units.
# Idempotent: an upgrade runs it again.
set -e
app=/opt/Cloison
getent group cloison-users >/dev/null || addgroup --system cloison-users
getent group cloison-admins >/dev/null || addgroup --system cloison-admins
getent passwd cloison >/dev/null ||
  adduser --system --group --home /var/lib/cloison --no-create-home --shell /usr/sbin/nologin cloison
getent passwd cloison-kiosk >/dev/null ||
  adduser --system --group --home /var/lib/cloison-kiosk --no-create-home --shell /usr/sbin/nologin cloison-kiosk
adduser cloison cloison-users >/dev/null
adduser cloison cloison-admins >/dev/null
adduser cloison-kiosk cloison-users >/dev/null
ln -sfn "$app" /usr/lib/cloison
# What electron-builder's own after-install does, which this script replaces: the shell on the PATH,
# and Chromium's setuid sandbox helper made setuid only where user namespaces do not work. On the
# PATH, `cloison` is the command line the README's commands use; the Electron shell is
# `cloison-shell` (its executable keeps its name, which the kiosk session runs).
ln -sfn "$app/bin/cloison" /usr/bin/cloison
ln -sfn "$app/cloison" /usr/bin/cloison-shell
if [ -e "$app/chrome-sandbox" ]; then
  if [ -L /proc/self/ns/user ] && unshare --user true 2>/dev/null; then
    chmod 0755 "$app/chrome-sandbox"
  else
    chmod 4755 "$app/chrome-sandbox"
  fi
fi
install -m 0644 "$app/deploy/systemd/cloisond.service" /lib/systemd/system/cloisond.service
install -m 0644 "$app/deploy/systemd/cloison-kiosk.service" /lib/systemd/system/cloison-kiosk.service
# The main file is the daemon's to rewrite (the administrators' `rules apply`, the console), in its
# folder, by a rename: the file is the daemon's account's. The folder is sticky, so that the daemon
# renames or removes only what it owns: rules.d and its drop-ins stay root's, read-only to it.
install -d -m 1770 -o root -g cloison /etc/cloison
install -d -m 0750 -o root -g cloison /etc/cloison/rules.d
[ -e /etc/cloison/config.yaml ] || install -m 0660 -o cloison -g cloison "$app/assets/default-config.yaml" /etc/cloison/config.yaml
[ -L /etc/cloison/config.yaml ] || chown cloison:cloison /etc/cloison/config.yaml
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable cloisond.service || true
  # First install: started. Upgrade: restarted, so that the new program runs rather than the old
  # one over replaced files; the kiosk session too, if it runs.
  systemctl restart cloisond.service || true
  systemctl try-restart cloison-kiosk.service || true
fi
# The kiosk session is enabled by the administrator who wants one: systemctl enable cloison-kiosk.
exit 0
