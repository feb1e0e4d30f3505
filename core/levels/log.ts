// A level's log: the last lines its apps and display servers wrote, with their source and time,
// bounded in memory whatever an app prints.
export interface LogLine {
  time: string;
  source: string;
  text: string;
}

const MAX_LINE = 2000;

export class LevelLog {
  private readonly lines: LogLine[] = [];
  private readonly partial = new Map<string, string>();

  constructor(private readonly max: number) {}

  /** Adds what `source` wrote; incomplete lines wait for their end (up to MAX_LINE characters). */
  write(source: string, text: string): void {
    const pending = (this.partial.get(source) ?? '') + text;
    const parts = pending.split('\n');
    const rest = parts.pop() ?? '';
    for (const line of parts) this.push(source, line);
    if (rest.length >= MAX_LINE) this.push(source, rest);
    else if (rest) this.partial.set(source, rest);
    if (rest.length >= MAX_LINE || !rest) this.partial.delete(source);
  }

  tail(count: number): LogLine[] {
    return this.lines.slice(-count);
  }

  private push(source: string, text: string): void {
    this.lines.push({ time: new Date().toISOString(), source, text: text.slice(0, MAX_LINE) });
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
}
