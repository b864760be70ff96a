import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { Express, Request, Response } from 'express';

/**
 * expressServerOptions returns the `http.createServer` options that let an express app serve requests
 * without re-prototyping them: request and response classes built on the app's prototypes, which
 * become the app's prototypes. why: express gives every request and response its prototypes with
 * Object.setPrototypeOf; on objects made by node's own classes that cost about 60 us a request here
 * (V8 rebuilds their hidden classes: mostly garbage); on objects of these classes it changes nothing.
 */
export function expressServerOptions(app: Express): ServerOptions<typeof IncomingMessage, typeof ServerResponse> {
  class ApiIncomingMessage extends IncomingMessage {}
  class ApiServerResponse<R extends IncomingMessage = IncomingMessage> extends ServerResponse<R> {}
  Object.setPrototypeOf(ApiIncomingMessage.prototype, app.request);
  Object.setPrototypeOf(ApiServerResponse.prototype, app.response);
  app.request = ApiIncomingMessage.prototype as unknown as Request;
  app.response = ApiServerResponse.prototype as unknown as Response;
  return { IncomingMessage: ApiIncomingMessage, ServerResponse: ApiServerResponse };
}
