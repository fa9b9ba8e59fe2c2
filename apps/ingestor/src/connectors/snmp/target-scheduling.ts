import type { Clock } from '../http/clock';

/**
 * Runs `work` for each item with at most `limit` running at once, starting them in list order.
 * `work` must not throw (each target reports its own failure). Once `signal` aborts, no further
 * item starts; the ones running finish (their own signals cut them short).
 */
export async function forEachWithLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      await work(items[index], index);
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane);
  await Promise.all(lanes);
}

/**
 * Runs `work` with a deadline measured on `clock`. When it passes, the signal handed to `work`
 * aborts with `expired()` and the promise rejects with it at once, whether or not `work` heeds
 * the signal; an abort of `parent` does the same with the parent's reason.
 */
export async function withDeadline<R>(
  ms: number,
  clock: Clock,
  work: (signal: AbortSignal) => Promise<R>,
  expired: () => Error,
  parent?: AbortSignal,
): Promise<R> {
  const controller = new AbortController();
  const timer = new AbortController();
  let stop!: (reason: unknown) => void;
  const stopped = new Promise<never>((_resolve, reject) => {
    stop = reject;
  });
  const abort = (reason: unknown) => {
    if (controller.signal.aborted) return;
    controller.abort(reason);
    stop(reason);
  };
  const onParentAbort = () => abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  void clock.sleep(ms, timer.signal).then(
    () => abort(expired()),
    () => undefined, // the work finished first and cancelled the timer
  );
  try {
    return await Promise.race([work(controller.signal), stopped]);
  } finally {
    timer.abort();
    parent?.removeEventListener('abort', onParentAbort);
  }
}
