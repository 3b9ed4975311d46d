import { describeKafkaVersion } from '../../../reconciler/cli/connection';
import {
  DEFAULT_KAFKA_VERSION,
  TESTED_KAFKA_VERSIONS,
  checkKafkaVersion,
  requestedKafkaVersion,
} from '../../../reconciler/localkafka/versions';
import { Encoder } from '../../../reconciler/observe/kafka-protocol';
import {
  apiVersionsRequest,
  apiVersionsResponse,
  kafkaVersionOf,
  metadataVersionName,
} from '../../../reconciler/observe/kafka-version';

describe('the local broker versions', () => {
  it('defaults to the newest tested 4.x and keeps 3.9.1', () => {
    expect(DEFAULT_KAFKA_VERSION).toBe('4.1.2');
    expect(Object.keys(TESTED_KAFKA_VERSIONS)).toEqual(['4.1.2', '3.9.1']);
    expect(TESTED_KAFKA_VERSIONS['4.1.2']).toEqual({ msk: '4.1.x.kraft', logging: 'log4j2' });
  });

  it('accepts another patch of a tested line, untested, and refuses anything else with the supported list', () => {
    expect(checkKafkaVersion('4.1.0')).toMatchObject({ version: '4.1.0', tested: false, info: { logging: 'log4j2' } });
    expect(checkKafkaVersion('3.9.1')).toMatchObject({ tested: true, info: { logging: 'reload4j' } });
    for (const bad of ['4.2.0', '2.8.1', '4.1', 'latest', '']) {
      expect(() => checkKafkaVersion(bad)).toThrow(
        `unknown Kafka version "${bad}": supported: 4.1.2 (default), 3.9.1 (tested), or another 4.1.x / 3.9.x release`,
      );
    }
  });

  it('takes --kafka-version over MSK_GITOPS_BROKER_VERSION, and neither means "not asked"', () => {
    expect(requestedKafkaVersion('3.9.1', { MSK_GITOPS_BROKER_VERSION: '4.1.2' })).toBe('3.9.1');
    expect(requestedKafkaVersion(undefined, { MSK_GITOPS_BROKER_VERSION: '3.9.1' })).toBe('3.9.1');
    expect(requestedKafkaVersion(undefined, { MSK_GITOPS_BROKER_VERSION: '' })).toBeUndefined();
  });
});

describe('ApiVersions v3 and the cluster version', () => {
  it('encodes the request as header v2 tags, compact client name and version, body tags', async () => {
    const request = apiVersionsRequest();
    expect([request.apiKey, request.apiVersion]).toEqual([18, 3]);
    expect((await request.encode()).buffer).toEqual(Buffer.from([0, 11, ...Buffer.from('msk-gitops'), 2, 0x31, 0]));
  });

  it('decodes API ranges and the finalized metadata.version from the tagged fields', async () => {
    const features = new Encoder()
      .writeUVarInt(3) // two finalized features
      .writeUVarIntString('metadata.version')
      .writeInt16(27)
      .writeInt16(27)
      .writeUVarInt(0)
      .writeUVarIntString('kraft.version')
      .writeInt16(1)
      .writeInt16(1)
      .writeUVarInt(0).buffer;
    const body = new Encoder()
      .writeInt16(0)
      .writeUVarInt(3) // two APIs
      .writeInt16(0)
      .writeInt16(3)
      .writeInt16(13)
      .writeUVarInt(0)
      .writeInt16(50)
      .writeInt16(0)
      .writeInt16(0)
      .writeUVarInt(0).buffer;
    const tail = new Encoder().writeUVarInt(2).writeUVarInt(1).writeUVarInt(8).buffer; // tag 1: epoch, 8 bytes
    const payload = Buffer.concat([
      body,
      Buffer.from([0, 0, 0, 0]), // throttle
      tail,
      Buffer.alloc(8),
      new Encoder().writeUVarInt(2).writeUVarInt(features.length).buffer,
      features,
    ]);
    const answer = await apiVersionsResponse.decode(payload);
    expect(answer.errorCode).toBe(0);
    expect([...answer.apis]).toEqual([
      [0, { min: 3, max: 13 }],
      [50, { min: 0, max: 0 }],
    ]);
    expect(answer.finalizedFeatures.get('metadata.version')).toEqual({ min: 27, max: 27 });
    expect(kafkaVersionOf(answer)).toEqual({ release: '4.1', evidence: 'metadata.version 4.1-IV1, feature level 27' });
  });

  it('names feature levels as Kafka does, and warns on an untested or unknown release', () => {
    expect([metadataVersionName(21), metadataVersionName(22), metadataVersionName(99)]).toEqual([
      '3.9-IV0',
      '4.0-IV0',
      undefined,
    ]);
    expect(describeKafkaVersion({ release: '3.9', evidence: 'e' })).toEqual(['kafka version:     3.9 (e)']);
    expect(describeKafkaVersion({ release: '4.0', evidence: 'e' })).toEqual([
      'kafka version:     4.0 (e)',
      'warning: Kafka 4.0 is not tested (tested with msk-gitops: 4.1, 3.9; see docs/kafka-versions.md)',
    ]);
    expect(describeKafkaVersion({ evidence: 'no finalized metadata.version' })[1]).toMatch(
      /^warning: the cluster's Kafka version is unknown/,
    );
  });
});
