import { strict as assert } from 'node:assert';
import { z } from 'zod';
import { ChannelEndpoint, checked, empty, event, NOTHING, request } from '../../src/shared/channel';
import { RpcError, type RpcMessage, type RpcTransport } from '../../src/shared/rpc';

/** Two transports joined back to back, delivering asynchronously as structured clones (typed arrays survive). */
function pipePair(): { a: RpcTransport; b: RpcTransport; sendFromB(message: RpcMessage): void } {
  const listeners: { a: ((raw: unknown) => void)[]; b: ((raw: unknown) => void)[] } = { a: [], b: [] };
  const deliver = (to: 'a' | 'b', message: unknown) => setImmediate(() => listeners[to].forEach((l) => l(structuredClone(message))));
  const make = (self: 'a' | 'b', other: 'a' | 'b'): RpcTransport => ({
    send: (m) => deliver(other, m),
    listen: (l) => {
      listeners[self].push(l);
      return () => (listeners[self] = listeners[self].filter((x) => x !== l));
    },
  });
  return { a: make('a', 'b'), b: make('b', 'a'), sendFromB: (m) => deliver('a', m) };
}

const SERVER = {
  requests: {
    add: request({ params: z.object({ a: z.number(), b: z.number() }).strict(), result: z.number() }),
    lie: request({ params: empty, result: z.object({ n: z.number().int() }) }),
    count: request({ params: z.object({ to: z.number().int() }), result: z.object({ done: z.number() }), progress: z.number().int() }),
    vector: request({ params: empty, result: checked<Float32Array>((v) => (v instanceof Float32Array && v.length === 3 ? undefined : 'is not 3 floats')) }),
  },
  events: {
    tick: event(z.object({ n: z.number().int() })),
  },
};

function setup() {
  const pipes = pipePair();
  const problems: string[] = [];
  const server = new ChannelEndpoint(pipes.b, SERVER, NOTHING, (m) => problems.push(`server: ${m}`), 'the client');
  const client = new ChannelEndpoint(pipes.a, NOTHING, SERVER, (m) => problems.push(`client: ${m}`), 'the server');
  server.handle('add', (p) => p.a + p.b);
  // Answers what its schema forbids, as a broken or hostile peer might.
  server.handle('lie', () => ({ n: 1.5 }));
  server.handle('count', (p, ctx) => {
    for (let i = 1; i <= p.to; i++) ctx.progress(i);
    return { done: p.to };
  });
  server.handle('vector', () => Float32Array.of(1, 2, 3));
  return { server, client, problems, pipes };
}

describe('typed channels', () => {
  it('serves requests whose params pass their schema and returns results that pass theirs', async () => {
    const { client } = setup();
    assert.equal(await client.request('add', { a: 2, b: 3 }), 5);
    const v = await client.request('vector', {});
    assert.ok(v instanceof Float32Array);
    assert.deepEqual(Array.from(v), [1, 2, 3]);
  });

  it('refuses params that fail their schema on arrival, naming the field (the handler never runs)', async () => {
    const { client } = setup();
    await assert.rejects(
      client.request('add', { a: 2, b: 'three' } as unknown as { a: number; b: number }),
      (err: RpcError) => err.code === 'badRequest' && /Bad "add" request: b: Expected number, received string/.test(err.message),
    );
  });

  it('rejects a result that fails its schema with badResponse, naming the peer and the field', async () => {
    const { client } = setup();
    await assert.rejects(client.request('lie', {}), (err: RpcError) => err.code === 'badResponse' && /the server to "lie" is malformed: n: Expected integer/.test(err.message));
  });

  it('checks each progress report: good ones arrive typed, malformed ones are dropped and logged', async () => {
    const { client, problems, pipes } = setup();
    const seen: number[] = [];
    const answer = client.request('count', { to: 3 }, { onProgress: (n) => seen.push(n) });
    // A malformed report for request 1 (the one just sent), as a broken peer might send.
    pipes.sendFromB({ t: 'progress', id: 1, data: 'not a number' });
    assert.deepEqual(await answer, { done: 3 });
    assert.deepEqual(seen, [1, 2, 3]);
    assert.ok(problems.some((p) => /client: dropped a malformed "count" progress report/.test(p)), problems.join('\n'));
  });

  it('delivers events that pass their schema and drops the others with a log line', async () => {
    const { server, client, problems, pipes } = setup();
    const ticks: number[] = [];
    client.onEvent('tick', (p) => ticks.push(p.n));
    server.emit('tick', { n: 7 });
    pipes.sendFromB({ t: 'event', name: 'tick', data: { n: 'eight' } });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(ticks, [7]);
    assert.ok(problems.some((p) => /client: dropped a malformed "tick" event: n: Expected number/.test(p)), problems.join('\n'));
  });
});
