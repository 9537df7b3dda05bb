/** Caps a string at `max` UTF-16 units, appending a visible marker that says how much was dropped. */
export function capString(value: string, max: number): string {
  if (value.length <= max) return value;
  return `${value.slice(0, max)}\n... [truncated ${value.length - max} characters]`;
}

/** Collects text chunks up to `max` characters; remembers how much was dropped. */
export class CappedBuffer {
  private parts: string[] = [];
  private size = 0;
  dropped = 0;
  constructor(private readonly max: number) {}

  push(chunk: string): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const take = chunk.length <= room ? chunk : chunk.slice(0, room);
    this.parts.push(take);
    this.size += take.length;
    this.dropped += chunk.length - take.length;
  }

  toString(): string {
    const text = this.parts.join('');
    return this.dropped > 0 ? `${text}\n... [truncated ${this.dropped} characters]` : text;
  }
}
