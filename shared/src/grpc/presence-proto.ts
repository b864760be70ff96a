import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import type { UserId } from '../ids.js';
import type { Member } from '../presence/presence-store.js';

/** PRESENCE_PROTO is the path of proto/presence.proto (the same from src/ and dist/). */
export const PRESENCE_PROTO = fileURLToPath(new URL('../../../proto/presence.proto', import.meta.url));

/** ProtoMember is a Member on the wire. */
export interface ProtoMember {
  id: string;
  info_json: string;
}

/**
 * loadPresenceService loads the PresenceService definition from the .proto at run time (no code
 * generation step: grpc-tools cannot install here) and returns its client constructor and definition.
 */
export function loadPresenceService(): { Client: grpc.ServiceClientConstructor; definition: grpc.ServiceDefinition } {
  const packageDefinition = loadSync(PRESENCE_PROTO, { keepCase: true, longs: Number, enums: String, defaults: true });
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    sockudo: { presence: { v1: { PresenceService: grpc.ServiceClientConstructor } } };
  };
  const Client = loaded.sockudo.presence.v1.PresenceService;
  return { Client, definition: Client.service };
}

/** toProtoMember writes a Member for the wire (info as JSON, empty for none). */
export function toProtoMember(member: Member): ProtoMember {
  return { id: member.id, info_json: member.info === undefined ? '' : JSON.stringify(member.info) };
}

/** fromProtoMember reads a Member from the wire. */
export function fromProtoMember(member: ProtoMember): Member {
  const id = member.id as UserId;
  return member.info_json === '' ? { id } : { id, info: JSON.parse(member.info_json) as unknown };
}
