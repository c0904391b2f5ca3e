/**
 * Typed channels over the RPC helper (rpc.ts): each channel is described once, as descriptor tables
 * of what each side serves (requests: params, result and progress schemas) and emits (events: payload
 * schemas). A ChannelEndpoint checks params on arrival, results and progress on return and events on
 * arrival against those tables, so nothing received is used unchecked and nothing is cast.
 */
import { z } from 'zod';
import { RpcEndpoint, RpcError, type HandlerContext, type MethodTable, type RequestOptions, type RpcTransport } from './rpc';

/** A schema whose parsed value is T, whatever it accepts as input. */
export type Schema<T> = z.ZodType<T, z.ZodTypeDef, unknown>;

/** One request a side serves: its params, its result and the progress it may report. */
export interface RequestDescriptor<P, R, G = never> {
  readonly params: Schema<P>;
  readonly result: Schema<R>;
  readonly progress?: Schema<G>;
}

/** One event a side emits, with its payload. */
export interface EventDescriptor<D> {
  readonly payload: Schema<D>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the tables' members are checked where each is used */
type AnyRequest = RequestDescriptor<any, any, any>;
type AnyEvent = EventDescriptor<any>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** What one side of a channel serves and emits. */
export interface ChannelSide {
  readonly requests: Record<string, AnyRequest>;
  readonly events: Record<string, AnyEvent>;
}

/** A side that serves and emits nothing (a listener only). */
export const NOTHING: { requests: Record<never, AnyRequest>; events: Record<never, AnyEvent> } = { requests: {}, events: {} };

/** The params of a request descriptor. */
export type ParamsOf<D> = D extends RequestDescriptor<infer P, unknown, unknown> ? P : never;
/** The result of a request descriptor. */
export type ResultOf<D> = D extends RequestDescriptor<unknown, infer R, unknown> ? R : never;
/** The progress of a request descriptor. */
export type ProgressOfRequest<D> = D extends RequestDescriptor<unknown, unknown, infer G> ? G : never;
/** The payload of an event descriptor. */
export type PayloadOf<D> = D extends EventDescriptor<infer P> ? P : never;

/** Describes a request (an identity that keeps the schemas' types). */
export function request<P, R, G = never>(descriptor: RequestDescriptor<P, R, G>): RequestDescriptor<P, R, G> {
  return descriptor;
}

/** Describes an event. */
export function event<D>(payload: Schema<D>): EventDescriptor<D> {
  return { payload };
}

/** A schema for a value with a hand-written check (typed arrays, large captures): `check` returns the first problem, or undefined. */
export function checked<T>(check: (value: unknown) => string | undefined): Schema<T> {
  return z.custom<T>().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
}

/** An empty object, as params or result. */
export const empty = z.object({}).strict();

/** The first problem of a failed parse, as "field.path: message". */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.length > 0 ? issue.path.join('.') : 'the value'}: ${issue.message}`;
}

/** Checks params against a schema; throws RpcError('badRequest') naming the first bad field. */
export function checkParams<T>(schema: Schema<T>, params: unknown, method: string): T {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  throw new RpcError(`Bad "${method}" request: ${firstIssue(parsed.error)}`, 'badRequest');
}

/**
 * One end of a typed channel: serves `local`'s requests and emits its events; calls `remote`'s requests
 * and listens to its events. Everything that arrives is checked against the tables first.
 */
export class ChannelEndpoint<Local extends ChannelSide, Remote extends ChannelSide> {
  private readonly rpc: RpcEndpoint<MethodTable, MethodTable>;

  constructor(
    transport: RpcTransport,
    private readonly local: Local,
    private readonly remote: Remote,
    /** Told about malformed messages, handler failures and events that fail their schema (for the log). */
    private readonly onProtocolError: (message: string) => void = () => undefined,
    /** Who answers, for error messages ("the engine"). */
    private readonly peerName = 'the other side',
  ) {
    this.rpc = new RpcEndpoint<MethodTable, MethodTable>(transport, onProtocolError);
  }

  /** Serves `method`: the handler gets params that passed their schema (else the caller gets 'badRequest'). */
  handle<M extends keyof Local['requests'] & string>(
    method: M,
    handler: (
      params: ParamsOf<Local['requests'][M]>,
      ctx: HandlerContext<ProgressOfRequest<Local['requests'][M]>>,
    ) => Promise<ResultOf<Local['requests'][M]>> | ResultOf<Local['requests'][M]>,
  ): void {
    const descriptor = this.local.requests[method];
    this.rpc.handle(method, (raw, ctx) => handler(checkParams(descriptor.params, raw, method), ctx as HandlerContext<ProgressOfRequest<Local['requests'][M]>>));
  }

  /**
   * Calls `method` on the other side; the result (and each progress report) is checked against its
   * schema: a malformed result rejects with RpcError('badResponse'), a malformed report is dropped and logged.
   */
  async request<M extends keyof Remote['requests'] & string>(
    method: M,
    params: ParamsOf<Remote['requests'][M]>,
    options: RequestOptions<ProgressOfRequest<Remote['requests'][M]>> = {},
  ): Promise<ResultOf<Remote['requests'][M]>> {
    const descriptor = this.remote.requests[method];
    const { onProgress } = options;
    const progress = descriptor.progress;
    const checkedProgress =
      onProgress && progress
        ? (raw: unknown) => {
            const parsed = progress.safeParse(raw);
            if (parsed.success) onProgress(parsed.data);
            else this.onProtocolError(`dropped a malformed "${method}" progress report: ${firstIssue(parsed.error)}`);
          }
        : undefined;
    const raw = await this.rpc.request(method, params, { ...options, onProgress: checkedProgress });
    const parsed = descriptor.result.safeParse(raw);
    if (!parsed.success) throw new RpcError(`The answer of ${this.peerName} to "${method}" is malformed: ${firstIssue(parsed.error)}`, 'badResponse');
    return parsed.data;
  }

  /** Sends one of this side's events. */
  emit<E extends keyof Local['events'] & string>(name: E, payload: PayloadOf<Local['events'][E]>): void {
    this.rpc.emit(name, payload);
  }

  /** Listens for one of the other side's events; payloads that fail the schema are dropped and logged. Returns a function that stops listening. */
  onEvent<E extends keyof Remote['events'] & string>(name: E, listener: (payload: PayloadOf<Remote['events'][E]>) => void): () => void {
    const schema = this.remote.events[name].payload;
    return this.rpc.onEvent(name, (raw) => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) listener(parsed.data);
      else this.onProtocolError(`dropped a malformed "${name}" event: ${firstIssue(parsed.error)}`);
    });
  }

  /** Number of requests waiting for an answer. */
  get pendingCount(): number {
    return this.rpc.pendingCount;
  }

  /** Rejects every pending request with `error`, aborts running handlers, and stops listening. */
  close(error?: RpcError): void {
    this.rpc.close(error);
  }
}
