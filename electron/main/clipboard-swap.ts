// Electron mode's clipboard: the system clipboard only ever holds the active level's content. On a
// level switch the outgoing level's content is saved and the clipboard cleared before the incoming
// level's is restored, so nothing copied in one level can be pasted in another without the broker.
export interface SystemClipboard {
  availableFormats(): string[];
  readBuffer(format: string): Buffer;
  writeBuffer(format: string, data: Buffer): void;
  clear(): void;
}

type Saved = { format: string; data: Buffer }[];

export class LevelClipboards {
  private readonly saved = new Map<string, Saved>();
  private active: string | undefined;

  constructor(private readonly clipboard: SystemClipboard) {}

  switchTo(level: string): void {
    if (level === this.active) return;
    if (this.active !== undefined) {
      this.saved.set(
        this.active,
        this.clipboard
          .availableFormats()
          .map((format) => ({ format, data: this.clipboard.readBuffer(format) })),
      );
    }
    this.clipboard.clear();
    for (const { format, data } of this.saved.get(level) ?? []) {
      this.clipboard.writeBuffer(format, data);
    }
    this.active = level;
  }

  /** A stopped ephemeral level's clipboard is forgotten with it. */
  forget(level: string): void {
    this.saved.delete(level);
  }
}
