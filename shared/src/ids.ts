declare const brand: unique symbol;

/**
 * Branded is a string marked as one kind of id, so that the compiler refuses an app id where a channel name
 * is expected. Brands exist only at compile time: at run time every id is a plain string.
 */
export type Branded<Kind extends string> = string & { readonly [brand]: Kind };

/** AppId is an app's id, as in HTTP API paths (`/apps/{id}`). */
export type AppId = Branded<'AppId'>;
/** ChannelName is a channel name that passed the channel-name rules (PROTOCOL.md §4). */
export type ChannelName = Branded<'ChannelName'>;
/** SocketId is a socket's `<digits>.<digits>` id, unique across a cluster. */
export type SocketId = Branded<'SocketId'>;
/** UserId is a signed-in user's or a presence member's id. */
export type UserId = Branded<'UserId'>;
/** NodeId is one server process's id in a cluster (`instance.process_id`). */
export type NodeId = Branded<'NodeId'>;
/** DeviceId is a push device registration's id, unique within its app. */
export type DeviceId = Branded<'DeviceId'>;
/** PublishId is one push publish's id (`pubid-<uuid>`), the handle for its status. */
export type PublishId = Branded<'PublishId'>;

/** asAppId marks a string as an app id; call it where an id enters from config, a URL or a store. */
export const asAppId = (value: string): AppId => value as AppId;
/** asChannelName marks a string as a channel name; call it only after channelNameProblem found nothing. */
export const asChannelName = (value: string): ChannelName => value as ChannelName;
/** asSocketId marks a string as a socket id; call it after isSocketId or where the server minted it. */
export const asSocketId = (value: string): SocketId => value as SocketId;
/** asUserId marks a string as a user id. */
export const asUserId = (value: string): UserId => value as UserId;
/** asNodeId marks a string as a node id. */
export const asNodeId = (value: string): NodeId => value as NodeId;
/** asDeviceId marks a string as a push device id; call it where an id enters from a URL or a store. */
export const asDeviceId = (value: string): DeviceId => value as DeviceId;
/** asPublishId marks a string as a push publish id. */
export const asPublishId = (value: string): PublishId => value as PublishId;
