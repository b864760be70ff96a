import { describe, expect, it } from 'vitest';
import { buildConfig, serviceName } from '@sockudo-ts/shared';
import { asNodeId } from '../../src/ids.js';
import { parsePairs, resourceAttributes } from '../../src/telemetry/tracing-otel.js';

const who = { role: 'gateway', nodeId: asNodeId('gw-7'), busSystem: 'nats', queueSystem: 'bullmq' };

describe('the tracing resource', () => {
  it('names the service after the role and the instance after the node id', () => {
    expect(resourceAttributes(buildConfig([], {}).tracing, who, serviceName('gateway'))).toEqual({ 'service.name': 'sockudo-ts-gateway', 'service.instance.id': 'gw-7' });
  });

  it('adds OTEL_RESOURCE_ATTRIBUTES, and OTEL_SERVICE_NAME wins over both', () => {
    const settings = buildConfig([], { OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=from-attrs,team=a%20b', OTEL_SERVICE_NAME: 'edge' }).tracing;
    expect(resourceAttributes(settings, who, serviceName('gateway'))).toEqual({ 'service.name': 'edge', 'service.instance.id': 'gw-7', 'deployment.environment': 'prod', team: 'a b' });
  });

  it('reads key=value lists leniently: blanks, pairs without a key and bad escapes', () => {
    expect(parsePairs(' a = 1 ,,=x, b=%zz ,c')).toEqual({ a: '1', b: '%zz' });
  });
});
