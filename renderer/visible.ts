// Text from the levels (file names, daemon messages quoting them) as the shell shows it: control,
// bidirectional and invisible characters written out as ⟨U+XXXX⟩, so that a name cannot reorder or
// hide what a trusted surface says (`report\u202Efdp.exe` must not read as `report…exe.pdf`).
const HIDDEN =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/gu;

export function visible(text: string): string {
  return text.replace(
    HIDDEN,
    (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}
