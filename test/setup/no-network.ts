// Tests run hermetically: any attempt to open a connection beyond this machine fails the test that made
// it. Loopback stays open for the service's own servers and the PostgreSQL on 127.0.0.1:5432; Unix
// sockets (paths) are local by definition.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

/** The host a `Socket#connect` call asks for, or undefined for a Unix socket path. */
function hostOf(args: unknown[]): string | undefined {
  const [first, second] = args;
  const options = Array.isArray(first) ? (first[0] as unknown) : first;
  if (typeof options === 'object' && options !== null) {
    const o = options as { path?: unknown; host?: unknown };
    if (typeof o.path === 'string') return undefined;
    return typeof o.host === 'string' ? o.host : 'localhost';
  }
  if (typeof options === 'string' && !/^\d+$/.test(options)) return undefined; // a path
  return typeof second === 'string' ? second : 'localhost';
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const host = hostOf(args);
  if (host !== undefined && !LOOPBACK.has(host)) {
    throw new Error(`network access is not allowed in tests (tried ${host})`);
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;
