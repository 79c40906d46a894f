// Tests run hermetically: any attempt to open an outbound connection fails the test that made it.
import net from 'node:net';

const refuse = (): never => {
  throw new Error('network access is not allowed in tests');
};
net.Socket.prototype.connect = refuse as unknown as typeof net.Socket.prototype.connect;
