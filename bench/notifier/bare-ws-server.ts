// The memory anchor: a bare `ws` server on the same HTTP stack that accepts every socket and
// answers one message, with no authentication, no index and no NATS. What the notifier holds
// beyond this is the cost of Tessera's own per-socket state.
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';

const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (socket) => {
  socket.on('message', () => socket.send('{"type":"SUBSCRIBED"}'));
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
