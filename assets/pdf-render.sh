#!/bin/sh
# pdf-rasterise, inside its throw-away compartment (see core/sanitise/pdf-rasterise.ts): tells the
# broker what it checks first (encryption, page count, page sizes), then streams every page as a
# PPM image on stdout, in order. The document is untrusted; nothing read from it is ever run or
# used as a name: the renderer's reports are parsed as numbers by sed, here and again outside.
# Usage: sh pdf-render.sh DPI MAX_PAGES [DOCUMENT] (default /in/document.pdf; scratch in $TMPDIR).
set -u
dpi=$1
max=$2
doc=${3:-/in/document.pdf}
tmp=${TMPDIR:-/tmp}

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

# Without a file name pdftoppm writes every page to its stdout, in order: the pages go straight
# into the broker's pipe, never through a file or another process. A page the renderer skips is
# simply missing, and the broker counts.
exec pdftoppm -r "$dpi" -f 1 -l "$pages" "$doc"
