/**
 * Runs `task` now and then every `intervalMs`, never two at once, without keeping the process
 * alive. Errors go to `onError`. Returns a stop function.
 */
export function startPeriodic(task: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): () => void {
  let stopped = false;
  let running = false;
  const tick = async () => {
    if (stopped || running) return;
    running = true;
    try {
      await task();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
