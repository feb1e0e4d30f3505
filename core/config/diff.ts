// The difference between two versions of a configuration file, line by line, as an administrator
// reads it before saving: kept, removed and added lines in order. Pure.

export type DiffLine = { op: ' ' | '-' | '+'; text: string };

/** Above this many lines on either side, the diff is the whole old text out, the new one in. */
const MAX_LINES = 4000;

export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a.length > MAX_LINES || b.length > MAX_LINES) {
    return [
      ...a.map((text) => ({ op: '-' as const, text })),
      ...b.map((text) => ({ op: '+' as const, text })),
    ];
  }
  // Longest common subsequence, from the end, so the walk below goes forwards.
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? lcs[(i + 1) * width + j + 1]! + 1
          : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) {
      out.push({ op: '-', text: a[i++]! });
    } else {
      out.push({ op: '+', text: b[j++]! });
    }
  }
  while (i < a.length) out.push({ op: '-', text: a[i++]! });
  while (j < b.length) out.push({ op: '+', text: b[j++]! });
  return out;
}

/** The changed lines with `context` kept lines around each change, as `diff -u` shows them. */
export function formatDiff(lines: DiffLine[], context = 3): string {
  const keep = new Set<number>();
  lines.forEach((line, n) => {
    if (line.op === ' ') return;
    for (let k = Math.max(0, n - context); k <= Math.min(lines.length - 1, n + context); k++)
      keep.add(k);
  });
  const out: string[] = [];
  let last = -1;
  for (const n of [...keep].sort((x, y) => x - y)) {
    if (last >= 0 && n > last + 1) out.push('…');
    out.push(`${lines[n]!.op}${lines[n]!.text}`);
    last = n;
  }
  return out.join('\n');
}
