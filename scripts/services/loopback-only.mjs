// Preloaded into a Node server that only takes a port (server-everything): its listen() binds
// 127.0.0.1 instead of every interface, so a test service is never reachable from the network,
// and the bound port is written to stderr as `listening on <port>` (so PORT=0 can be used).
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const [port, ...rest] = args;
    const callback = rest.find((a) => typeof a === 'function');
    this.once('listening', () => process.stderr.write(`listening on ${this.address().port}\n`));
    return listen.call(this, { port: Number(port), host: '127.0.0.1' }, callback);
  }
  return listen.apply(this, args);
};
