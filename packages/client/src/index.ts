export { TokenEventsClient, type TokenEventsClientOptions, type WebSocketLike, type WebSocketFactory, type ClosedInfo } from './token-events-client.js';
