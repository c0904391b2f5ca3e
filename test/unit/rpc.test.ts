import { strict as assert } from 'node:assert';
import { parseRpcMessage, RpcEndpoint, RpcError, type RpcMessage, type RpcTransport } from '../../src/shared/rpc';

type Methods = {
  add: { params: { a: number; b: number }; result: number };
  fail: { params: { code: string }; result: never };
  crash: { params: Record<string, never>; result: never };
  slow: { params: { steps: number }; result: { done: number; cancelled: boolean }; progress: number };
  never: { params: Record<string, never>; result: never };
};

/** Two transports joined back to back, delivering asynchronously and as JSON, like IPC does. */
function pipePair(): { a: RpcTransport & { inject(raw: unknown): void }; b: RpcTransport } {
  const listeners: { a: ((raw: unknown) => void)[]; b: ((raw: unknown) => void)[] } = { a: [], b: [] };
  const deliver = (to: 'a' | 'b', message: unknown) =>
    setImmediate(() => listeners[to].forEach((l) => l(JSON.parse(JSON.stringify(message)))));
  const make = (self: 'a' | 'b', other: 'a' | 'b'): RpcTransport => ({
    send: (m: RpcMessage) => deliver(other, m),
    listen: (l) => {
      listeners[self].push(l);
      return () => (listeners[self] = listeners[self].filter((x) => x !== l));
    },
  });
  return { a: { ...make('a', 'b'), inject: (raw) => deliver('a', raw) }, b: make('b', 'a') };
}

function setup() {
  const { a, b } = pipePair();
  const problems: string[] = [];
  const server = new RpcEndpoint<Methods, Record<string, never>>(b, (m) => problems.push(m));
  const client = new RpcEndpoint<Record<string, never>, Methods>(a, (m) => problems.push(m));
  server.handle('add', (p) => {
    const { a: x, b: y } = p as { a: number; b: number };
    return x + y;
  });
  server.handle('fail', (p) => {
    throw new RpcError('it failed on purpose', (p as { code: string }).code, { line: 7 });
  });
  server.handle('crash', () => {
    throw new TypeError('boom');
  });
  server.handle('slow', async (p, ctx) => {
    const { steps } = p as { steps: number };
    let done = 0;
    for (; done < steps && !ctx.signal.aborted; done++) {
      ctx.progress(done);
      await new Promise((r) => setTimeout(r, 5));
    }
    return { done, cancelled: ctx.signal.aborted };
  });
  server.handle('never', () => new Promise(() => undefined));
  return { server, client, problems, inject: a.inject };
}

describe('RPC helper', () => {
  it('answers a request with its result', async () => {
    const { client } = setup();
    assert.equal(await client.request('add', { a: 2, b: 3 }), 5);
  });

  it('carries a thrown RpcError back as a value with its code and details', async () => {
    const { client } = setup();
    await assert.rejects(client.request('fail', { code: 'dataset.empty' }), (err: unknown) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.code, 'dataset.empty');
      assert.equal(err.message, 'it failed on purpose');
      assert.deepEqual(err.details, { line: 7 });
      return true;
    });
  });

  it('turns any other exception into code "internal" and reports it on the serving side', async () => {
    const { client, problems } = setup();
    await assert.rejects(client.request('crash', {}), (err: RpcError) => err.code === 'internal' && err.message === 'boom');
    assert.ok(problems.some((p) => p.includes('"crash" failed')));
  });

  it('answers an unknown method with code "unknownMethod"', async () => {
    const { client } = setup();
    await assert.rejects(client.request('nope' as 'add', { a: 1, b: 1 }), (err: RpcError) => err.code === 'unknownMethod');
  });

  it('delivers progress reports in order before the result', async () => {
    const { client } = setup();
    const seen: number[] = [];
    const result = await client.request('slow', { steps: 4 }, { onProgress: (p) => seen.push(p) });
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.deepEqual(result, { done: 4, cancelled: false });
  });

  it('cancels the handler through its AbortSignal and still receives its partial answer', async () => {
    const { client } = setup();
    const controller = new AbortController();
    const seen: number[] = [];
    const pending = client.request('slow', { steps: 1000 }, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p === 2) controller.abort();
      },
    });
    const result = await pending;
    assert.equal(result.cancelled, true);
    assert.ok(result.done < 1000 && result.done >= 3, `stopped after ${result.done} steps`);
  });

  it('rejects with code "cancelled" when the signal is already aborted', async () => {
    const { client } = setup();
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(client.request('add', { a: 1, b: 2 }, { signal: controller.signal }), (err: RpcError) => err.code === 'cancelled');
  });

  it('times out a request that is never answered', async () => {
    const { client } = setup();
    await assert.rejects(client.request('never', {}, { timeoutMs: 30 }), (err: RpcError) => err.code === 'timeout' && /30 ms/.test(err.message));
    assert.equal(client.pendingCount, 0);
  });

  it('drops malformed messages, reports them, and keeps working', async () => {
    const { client, problems, inject } = setup();
    for (const raw of [null, 42, 'text', [], { t: 'res' }, { t: 'res', id: -1, ok: true }, { t: 'req', id: 1.5, method: 'x' }, { t: 'res', id: 1, ok: false, error: 'no' }, { t: 'bogus' }]) {
      inject(raw);
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(problems.filter((p) => p.startsWith('dropped a malformed message')).length, 9);
    assert.equal(await client.request('add', { a: 1, b: 1 }), 2);
  });

  it('rejects every pending request with the given error when closed', async () => {
    const { client } = setup();
    const pending = client.request('never', {});
    client.close(new RpcError('engine died', 'engineCrashed'));
    await assert.rejects(pending, (err: RpcError) => err.code === 'engineCrashed');
    await assert.rejects(client.request('add', { a: 1, b: 1 }), (err: RpcError) => err.code === 'engineCrashed');
  });

  it('passes events to their listeners only', async () => {
    const { client, server } = setup();
    const got: unknown[] = [];
    const stop = client.onEvent('ready', (d) => got.push(d));
    server.emit('ready', { pid: 1 });
    server.emit('other', 2);
    await new Promise((r) => setTimeout(r, 10));
    stop();
    server.emit('ready', { pid: 2 });
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [{ pid: 1 }]);
  });

  it('accepts exactly the envelope shapes of the protocol', () => {
    assert.deepEqual(parseRpcMessage({ t: 'cancel', id: 3 }), { t: 'cancel', id: 3 });
    assert.equal(parseRpcMessage({ t: 'req', id: 1, method: '' }), undefined);
    assert.equal(parseRpcMessage({ t: 'event', name: 'x'.repeat(101) }), undefined);
    assert.equal(parseRpcMessage({ t: 'progress', id: Number.MAX_SAFE_INTEGER + 2 }), undefined);
  });
});
