/** An opaque handle of a scheduled callback (a Node timer, or a test clock's number). */
export type TimerHandle = object | number;

/**
 * Time as the service sees it: what time it is and how to be called back later. Injected
 * everywhere time matters so tests drive it by hand instead of waiting on the wall clock.
 */
export interface ServiceClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** setTimeout overflows past 2^31-1 ms (about 24.8 days) and fires at once; callers re-arm. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

export const systemClock: ServiceClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_DELAY_MS));
    // Timers never keep a stopping process alive; shutdown is explicit.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
