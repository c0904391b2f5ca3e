/**
 * One small typed RPC helper used for both channels: host <-> engine (child-process IPC) and
 * host <-> webview (postMessage). Request/response with ids, progress events tied to a request,
 * free-standing events, cancellation, timeouts, and errors carried as values.
 */

/** A method table: for each method its params, its result and the progress it may report. */
export type MethodTable = Record<string, { params: unknown; result: unknown; progress?: unknown }>;

/** The progress type of a method entry (never when it reports none). */
export type ProgressOf<T> = T extends { progress: infer P } ? P : never;

/** The wire format. Every message arriving from the other side is checked with `parseRpcMessage`. */
export type RpcMessage =
  /** Ask the other side to run `method`. */
  | { t: 'req'; id: number; method: string; params: unknown }
  /** The result of request `id`. */
  | { t: 'res'; id: number; ok: true; result: unknown }
  /** The failure of request `id`, as a value. */
  | { t: 'res'; id: number; ok: false; error: RpcErrorValue }
  /** Progress of request `id`. */
  | { t: 'progress'; id: number; data: unknown }
  /** Stop working on request `id`; it answers with an error of code 'cancelled' (or a partial result). */
  | { t: 'cancel'; id: number }
  /** A notification not tied to a request. */
  | { t: 'event'; name: string; data: unknown };

/** An error as it travels: a message meant for the user and a machine-readable code. */
export interface RpcErrorValue {
  message: string;
  code: string;
  /** Optional extra facts, e.g. the line numbers that failed to parse. */
  details?: unknown;
}

/** An error from the other side (or from the channel itself: timeout, cancelled, closed). */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'RpcError';
  }

  /** The wire form of this error. */
  toValue(): RpcErrorValue {
    return this.details === undefined
      ? { message: this.message, code: this.code }
      : { message: this.message, code: this.code, details: this.details };
  }
}

/** Something that moves messages: child-process IPC, a worker, postMessage. */
export interface RpcTransport {
  send(message: RpcMessage): void;
  /** Registers the listener for raw incoming messages; returns a function that unregisters it. */
  listen(listener: (raw: unknown) => void): () => void;
}

/** What a handler gets besides its params. */
export interface HandlerContext<P> {
  /** Aborted when the caller cancels or the endpoint closes. */
  signal: AbortSignal;
  /** Sends a progress report to the caller. */
  progress(data: P): void;
}

/** Options of a single request. */
export interface RequestOptions<P> {
  /** Reject with code 'timeout' (and cancel remotely) after this many milliseconds. */
  timeoutMs?: number;
  /** Cancels the request remotely when aborted; the promise rejects with code 'cancelled' unless the handler answers. */
  signal?: AbortSignal;
  onProgress?: (data: P) => void;
}

const MAX_ID = Number.MAX_SAFE_INTEGER;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_ID;
}

/** Checks the envelope of an incoming message; returns undefined for anything malformed. */
export function parseRpcMessage(raw: unknown): RpcMessage | undefined {
  if (!isObject(raw)) return undefined;
  switch (raw.t) {
    case 'req':
      return isId(raw.id) && typeof raw.method === 'string' && raw.method.length > 0 && raw.method.length <= 100
        ? { t: 'req', id: raw.id, method: raw.method, params: raw.params }
        : undefined;
    case 'res':
      if (!isId(raw.id)) return undefined;
      if (raw.ok === true) return { t: 'res', id: raw.id, ok: true, result: raw.result };
      if (raw.ok === false && isObject(raw.error) && typeof raw.error.message === 'string' && typeof raw.error.code === 'string') {
        return { t: 'res', id: raw.id, ok: false, error: { message: raw.error.message, code: raw.error.code, details: raw.error.details } };
      }
      return undefined;
    case 'progress':
      return isId(raw.id) ? { t: 'progress', id: raw.id, data: raw.data } : undefined;
    case 'cancel':
      return isId(raw.id) ? { t: 'cancel', id: raw.id } : undefined;
    case 'event':
      return typeof raw.name === 'string' && raw.name.length > 0 && raw.name.length <= 100
        ? { t: 'event', name: raw.name, data: raw.data }
        : undefined;
    default:
      return undefined;
  }
}

/** Turns anything thrown into the wire form of an error. */
export function toErrorValue(err: unknown): RpcErrorValue {
  if (err instanceof RpcError) return err.toValue();
  if (err instanceof Error) return { message: err.message, code: 'internal' };
  return { message: String(err), code: 'internal' };
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: RpcError): void;
  onProgress?: (data: unknown) => void;
  cleanup(): void;
}

type Handler = (params: unknown, ctx: HandlerContext<unknown>) => Promise<unknown> | unknown;

/**
 * One end of a channel. `Local` are the methods this side serves, `Remote` those the other side serves.
 * Validation of params and results is the job of the handlers / callers (see protocol.ts); the
 * endpoint checks the envelope and drops (and reports) anything malformed.
 */
export class RpcEndpoint<Local extends MethodTable, Remote extends MethodTable> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, Handler>();
  private readonly running = new Map<number, AbortController>();
  private readonly eventListeners = new Map<string, Set<(data: unknown) => void>>();
  private readonly unlisten: () => void;
  private closedError: RpcError | undefined;

  constructor(
    private readonly transport: RpcTransport,
    /** Told about malformed messages and handler failures (for the log). */
    private readonly onProtocolError: (message: string) => void = () => undefined,
  ) {
    this.unlisten = transport.listen((raw) => this.receive(raw));
  }

  /** Serves `method`. A thrown RpcError keeps its code; anything else becomes code 'internal'. */
  handle<M extends keyof Local & string>(
    method: M,
    handler: (params: unknown, ctx: HandlerContext<ProgressOf<Local[M]>>) => Promise<Local[M]['result']> | Local[M]['result'],
  ): void {
    this.handlers.set(method, handler as Handler);
  }

  /** Calls `method` on the other side. Rejects with RpcError (code from the other side, or timeout / cancelled / closed). */
  request<M extends keyof Remote & string>(
    method: M,
    params: Remote[M]['params'],
    options: RequestOptions<ProgressOf<Remote[M]>> = {},
  ): Promise<Remote[M]['result']> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<Remote[M]['result']>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        this.sendSafe({ t: 'cancel', id });
      };
      const cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.pending.delete(id);
      };
      this.pending.set(id, {
        resolve: (v) => {
          cleanup();
          resolve(v as Remote[M]['result']);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
        onProgress: options.onProgress as ((data: unknown) => void) | undefined,
        cleanup,
      });
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.sendSafe({ t: 'cancel', id });
          this.pending.get(id)?.reject(new RpcError(`"${method}" did not answer within ${options.timeoutMs} ms`, 'timeout'));
        }, options.timeoutMs);
      }
      if (options.signal) {
        if (options.signal.aborted) {
          this.pending.get(id)?.reject(new RpcError(`"${method}" was cancelled`, 'cancelled'));
          return;
        }
        options.signal.addEventListener('abort', onAbort, { once: true });
      }
      if (!this.sendSafe({ t: 'req', id, method, params })) {
        this.pending.get(id)?.reject(new RpcError(`Could not send "${method}": the channel is closed`, 'closed'));
      }
    });
  }

  /** Sends a notification. */
  emit(name: string, data: unknown): void {
    this.sendSafe({ t: 'event', name, data });
  }

  /** Listens for notifications named `name`; returns a function that stops listening. */
  onEvent(name: string, listener: (data: unknown) => void): () => void {
    let set = this.eventListeners.get(name);
    if (!set) {
      set = new Set();
      this.eventListeners.set(name, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Number of requests waiting for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Rejects every pending request with `error`, aborts running handlers, and stops listening. */
  close(error: RpcError = new RpcError('The channel was closed', 'closed')): void {
    if (this.closedError) return;
    this.closedError = error;
    this.unlisten();
    for (const p of [...this.pending.values()]) p.reject(error);
    for (const c of this.running.values()) c.abort();
    this.running.clear();
  }

  private sendSafe(message: RpcMessage): boolean {
    if (this.closedError) return false;
    try {
      this.transport.send(message);
      return true;
    } catch (err) {
      this.onProtocolError(`send failed: ${(err as Error).message}`);
      return false;
    }
  }

  private receive(raw: unknown): void {
    const msg = parseRpcMessage(raw);
    if (!msg) {
      this.onProtocolError(`dropped a malformed message: ${describe(raw)}`);
      return;
    }
    switch (msg.t) {
      case 'req':
        void this.serve(msg.id, msg.method, msg.params);
        return;
      case 'res': {
        const p = this.pending.get(msg.id);
        if (!p) return; // answered after a timeout or cancel: nothing waits for it any more
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new RpcError(msg.error.message, msg.error.code, msg.error.details));
        return;
      }
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.data);
        return;
      case 'cancel':
        this.running.get(msg.id)?.abort();
        return;
      case 'event':
        for (const l of this.eventListeners.get(msg.name) ?? []) l(msg.data);
        return;
    }
  }

  private async serve(id: number, method: string, params: unknown): Promise<void> {
    const handler = this.handlers.get(method);
    if (!handler) {
      this.sendSafe({ t: 'res', id, ok: false, error: { message: `Unknown method "${method}"`, code: 'unknownMethod' } });
      return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      const result = await handler(params, {
        signal: controller.signal,
        progress: (data) => this.sendSafe({ t: 'progress', id, data }),
      });
      this.sendSafe({ t: 'res', id, ok: true, result });
    } catch (err) {
      const value = toErrorValue(err);
      if (value.code === 'internal') this.onProtocolError(`"${method}" failed: ${(err as Error)?.stack ?? value.message}`);
      this.sendSafe({ t: 'res', id, ok: false, error: value });
    } finally {
      this.running.delete(id);
    }
  }
}

function describe(raw: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(raw) ?? String(raw);
  } catch {
    text = String(raw);
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
