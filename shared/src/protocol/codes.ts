/**
 * CloseCode is the catalogue of Pusher close and error codes (PROTOCOL.md §7).
 * 4000-4099 are fatal (the client does not reconnect), 4100-4199 ask for a back-off before reconnecting,
 * 4200-4299 ask for an immediate reconnect, 4300+ are errors reported on an open connection.
 */
export const CloseCode = {
  TlsOnly: 4000,
  AppNotFound: 4001,
  AppDisabled: 4003,
  AppOverQuota: 4004,
  InvalidPath: 4005,
  InvalidVersion: 4006,
  UnsupportedProtocol: 4007,
  NoProtocol: 4008,
  Unauthorized: 4009,
  OverCapacity: 4100,
  ReconnectNow: 4200,
  PongTimeout: 4201,
  Inactivity: 4202,
  ChannelError: 4300,
  ClientEventRejected: 4301,
  WatchlistOverLimit: 4302,
} as const;

/** CloseCodeValue is any value of the CloseCode catalogue. */
export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

/** PusherError is a protocol-level failure carried as data: the code to send and a human message. */
export class PusherError extends Error {
  /** code is the Pusher code sent in `pusher:error` and, when fatal for the socket, as the close code. */
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'PusherError';
    this.code = code;
  }
}
