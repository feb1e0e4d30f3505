#!/bin/sh
# pdf-rasterise, inside its throw-away compartment (see core/sanitise/pdf-rasterise.ts): makes its
# page folder and says "ready", then waits for the broker's "go" (the broker opens that folder
# from outside first, while nothing has read the document yet); tells what it checks (encryption,
# page count, page sizes); then has pdftoppm write every page as a PPM file in /tmp/pages, each
# one said done on stdout; the broker reads each from outside, checks it and removes it. While
# pages render, the broker may say "stop" and "go" to hold the renderer while it catches up. The
# document is untrusted; nothing read from it is ever run or used as a name: the renderer's
# reports are parsed as numbers by sed, here and again outside.
# Usage: sh pdf-render.sh DPI MAX_PAGES [DOCUMENT] (default /in/document.pdf; scratch in $TMPDIR).
set -u
dpi=$1
max=$2
doc=${3:-/in/document.pdf}
tmp=${TMPDIR:-/tmp}

mkdir /tmp/pages || exit 1
echo ready
read -r word || exit 0
[ "$word" = go ] || exit 0

# One reading of the document for every check: pdfinfo stops listing page sizes at the last page,
# and a document over MAX_PAGES is refused on its count, whatever sizes it listed.
if ! pdfinfo -f 1 -l "$max" "$doc" >"$tmp/info" 2>"$tmp/err"; then
  # Encrypted with a user password: poppler cannot even open it.
  if grep -q 'Incorrect password' "$tmp/err"; then echo 'encrypted yes'; else echo 'unreadable'; fi
  head -c 4096 "$tmp/err" >&2
  exit 0
fi
pages=$(sed -n 's/^Pages: *\([0-9][0-9]*\) *$/\1/p' "$tmp/info")
encrypted=$(sed -n 's/^Encrypted: *\([a-z]*\).*/\1/p' "$tmp/info")
echo "pages ${pages:-0}"
echo "encrypted ${encrypted:-unknown}"
# Refusals are the broker's to word; here they only stop the work early.
[ "$encrypted" = no ] || exit 0
[ -n "$pages" ] && [ "$pages" -ge 1 ] && [ "$pages" -le "$max" ] || exit 0
sed -n 's/^Page *\([0-9][0-9]*\) size: *\([0-9.][0-9.]*\) x \([0-9.][0-9.]*\) pts.*/size \1 \2 \3/p' "$tmp/info"
echo 'render'

# Pages go to files, as pdftoppm writes them when run alone: through a pipe they cost the broker
# a wake-up per few kilobytes, a quarter more CPU than the rendering itself (npm run bench).
# pdftoppm says each page done once its file is closed (-progress, on its stderr, here a fifo):
# this script stops it there, passes the line on as "page …" and lets it go on at the broker's
# "go", which the broker says as soon as it reads the line; so the renderer is never more than a
# page ahead of the broker, however slow the broker is, and its /tmp holds two pages. Anything
# else it says is passed on as "said …". The broker's words on stdin stay with this script (fd 3).
exec 3<&0
mkfifo "$tmp/said" || exit 1
pdftoppm -progress -r "$dpi" -f 1 -l "$pages" "$doc" /tmp/pages/p >/dev/null 2>"$tmp/said" 3<&- &
renderer=$!
while IFS= read -r line; do
  case $line in
    [0-9]*' '[0-9]*' /tmp/pages/p-'*)
      kill -STOP "$renderer" 2>/dev/null
      printf 'page %s\n' "$line"
      read -r word <&3 || exit 1
      kill -CONT "$renderer" 2>/dev/null
      ;;
    *) printf 'said %s\n' "$line" ;;
  esac
done <"$tmp/said"
# The script's status is the renderer's (128 + the signal that killed it).
wait "$renderer"
