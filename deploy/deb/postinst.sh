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
# and Chromium's setuid sandbox helper made setuid only where user namespaces do not work.
if update-alternatives --install /usr/bin/cloison cloison "$app/cloison" 100 2>/dev/null; then :; else
  ln -sf "$app/cloison" /usr/bin/cloison
fi
if [ -e "$app/chrome-sandbox" ]; then
  if [ -L /proc/self/ns/user ] && unshare --user true 2>/dev/null; then
    chmod 0755 "$app/chrome-sandbox"
  else
    chmod 4755 "$app/chrome-sandbox"
  fi
fi
install -m 0644 "$app/deploy/systemd/cloisond.service" /lib/systemd/system/cloisond.service
install -m 0644 "$app/deploy/systemd/cloison-kiosk.service" /lib/systemd/system/cloison-kiosk.service
install -d -m 0750 -o root -g cloison /etc/cloison /etc/cloison/rules.d
[ -e /etc/cloison/config.yaml ] || install -m 0640 -o root -g cloison "$app/assets/default-config.yaml" /etc/cloison/config.yaml
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable --now cloisond.service || true
fi
# The kiosk session is enabled by the administrator who wants one: systemctl enable cloison-kiosk.
exit 0
