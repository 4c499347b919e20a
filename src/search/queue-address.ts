// Where a search's trial queue is, as the command line names it (`--queue redis://HOST:PORT`, `--queue-name`):
// a module of its own, so the CLI's option declarations name the default without loading the queue.

export const DEFAULT_QUEUE_NAME = 'nasfpn-trials';

/** Whether `url` names a Redis (redis:// or, with TLS, rediss://), as --queue takes it. */
export const isRedisUrl = (url: string): boolean => /^rediss?:\/\//.test(url);
