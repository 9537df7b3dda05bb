/**
 * Limits how often a live view is updated: at most once per interval, with a trailing update so
 * the last state is never lost. A 500-host playbook produces thousands of events a minute; the CLI
 * needs a few frames a second.
 */
export class ProgressThrottle {
  private last = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly emit: () => void,
    private readonly intervalMs = 250,
    private readonly now: () => number = Date.now,
  ) {}

  poke(): void {
    if (this.timer) return;
    const wait = this.last + this.intervalMs - this.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.timer = setTimeout(() => this.fire(), wait);
  }

  /** Emits now (the final state) and cancels any pending update. */
  flush(): void {
    this.stop();
    this.fire();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.last = this.now();
    this.emit();
  }
}
