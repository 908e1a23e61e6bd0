/** Timers run by hand: `advance(ms)` fires what falls due, in order; `pending` counts the armed ones. */
export function manualTimers() {
  let now = 0;
  const pending = new Set<{ at: number; fn: () => void }>();
  return {
    setTimer: (fn: () => void, ms: number): unknown => {
      const timer = { at: now + ms, fn };
      pending.add(timer);
      return timer;
    },
    clearTimer: (timer: unknown) => {
      pending.delete(timer as { at: number; fn: () => void });
    },
    advance(ms: number) {
      const until = now + ms;
      for (;;) {
        const due = [...pending].filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        pending.delete(due);
        now = due.at;
        due.fn();
      }
      now = until;
    },
    get pending() {
      return pending.size;
    },
  };
}
