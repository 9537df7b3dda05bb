import { jest } from '@jest/globals';
import { setLongTimeout } from '../../src/util/long-timeout.js';

test('delays beyond the 24.8-day timer limit fire when due, not at once', () => {
  jest.useFakeTimers();
  try {
    const fired: number[] = [];
    const thirtyDays = 30 * 86_400_000;
    setLongTimeout(() => fired.push(Date.now()), thirtyDays);
    const start = Date.now();
    jest.advanceTimersByTime(1000);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(thirtyDays - 2000);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(1000);
    expect(fired).toEqual([start + thirtyDays]);
    const t = setLongTimeout(() => fired.push(-1), 10);
    t.clear();
    jest.advanceTimersByTime(100);
    expect(fired).toHaveLength(1);
  } finally {
    jest.useRealTimers();
  }
});
