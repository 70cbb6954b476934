import { TimeoutError } from './errors.js';

/**
 * Races a promise against an AbortSignal and a deadline. When either wins, `onAbandon` runs (to
 * destroy the connection the promise waits on) and the returned promise rejects with the
 * signal's reason or a {@link TimeoutError}. The abandoned promise's own rejection is swallowed,
 * so it can never surface as an unhandled rejection.
 * @internal
 */
export function abortable<T>(
  promise: Promise<T>,
  options: { signal?: AbortSignal | undefined; deadline?: { ms: number; node: string } | undefined },
  onAbandon: () => void,
): Promise<T> {
  const { signal, deadline } = options;
  if (!signal && !deadline) return promise;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const abandon = (reason: unknown): void => {
      cleanup();
      promise.catch(() => undefined);
      onAbandon();
      reject(reason);
    };
    const onAbort = (): void => abandon(signal?.reason);
    if (signal?.aborted) return abandon(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (deadline) {
      timer = setTimeout(
        () => abandon(new TimeoutError(`No reply from ${deadline.node} within ${deadline.ms} ms`)),
        deadline.ms,
      );
      timer.unref();
    }
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (err: unknown) => {
        cleanup();
        reject(err);
      },
    );
  });
}
