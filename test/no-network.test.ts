// The hermetic-test guard (test/setup/no-network.ts): nothing leaves the machine, loopback stays usable.
import net from 'node:net';
import { expect, it } from 'vitest';

it('blocks remote, allows loopback', async () => {
  expect(() => net.connect(80, '93.184.216.34')).toThrow(/not allowed/);
  const s = net.createServer((c) => c.end('hi')).listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const port = (s.address() as net.AddressInfo).port;
  const data = await new Promise<string>((res, rej) => {
    const c = net.connect(port, '127.0.0.1');
    c.on('data', (d) => res(String(d)));
    c.on('error', rej);
  });
  expect(data).toBe('hi');
  s.close();
});
