// One bound on how long a Redis round trip may take, for the queue's polls and the event stream: a command that
// gets no answer in time means Redis is unreachable (ioredis would otherwise wait for a reconnect).

/** `promise`, or a rejection naming `what` once `ms` pass without it settling. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    promise.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
