/** Node's timers hold at most 2^31-1 ms (~24.8 days); longer delays fire at once with a warning. */
const MAX_DELAY = 2_147_483_647;

export interface LongTimeout {
  clear(): void;
}

/** Like setTimeout, for any delay: re-arms in slices of at most ~24 days. */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  let handle: NodeJS.Timeout;
  let cleared = false;
  const arm = (left: number) => {
    handle = setTimeout(
      () => {
        if (cleared) return;
        if (left > MAX_DELAY) arm(left - MAX_DELAY);
        else fn();
      },
      Math.min(Math.max(0, left), MAX_DELAY),
    );
  };
  arm(ms);
  return {
    clear() {
      cleared = true;
      clearTimeout(handle);
    },
  };
}
