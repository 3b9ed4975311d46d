import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { profileFromArgs } from '../../reconciler/cli/connection-options';
import { createKafka } from '../../reconciler/connection/kafka';
import { testKafka, uniquePrefix } from '../support/kafka';

describe('the local broker', () => {
  it('is two brokers that create a replicated topic and an ACL and read them back', async () => {
    const admin = (await testKafka()).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toHaveLength(2);

      const topic = `${uniquePrefix('smoke')}topic`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 2 }], waitForLeaders: true });
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(metadata.topics[0].partitions).toHaveLength(2);
      expect(metadata.topics[0].partitions[0].replicas).toHaveLength(2);

      const acl = {
        resourceType: AclResourceTypes.TOPIC,
        resourceName: topic,
        resourcePatternType: ResourcePatternTypes.LITERAL,
        principal: 'User:smoke-user',
        host: '*',
        operation: AclOperationTypes.READ,
        permissionType: AclPermissionTypes.ALLOW,
      };
      await admin.createAcls({ acl: [acl] });
      // ACLs reach each broker through the KRaft metadata log: ask until the broker that answers has it.
      const describe = () =>
        admin.describeAcls({
          resourceType: AclResourceTypes.TOPIC,
          resourceName: topic,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          operation: AclOperationTypes.ANY,
          permissionType: AclPermissionTypes.ANY,
        });
      let found = await describe();
      for (let i = 0; i < 50 && found.resources.length === 0; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        found = await describe();
      }
      expect(found.resources[0].acls).toEqual([
        {
          principal: 'User:smoke-user',
          host: '*',
          operation: AclOperationTypes.READ,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ]);
      await admin.deleteAcls({ filters: [acl] });
      await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  });
});

describe('--local', () => {
  const external =
    !process.env.MSK_GITOPS_TEST_STARTED_BROKER && process.env.MSK_GITOPS_TEST_OAUTH_BOOTSTRAP === undefined;
  (external ? it.skip : it)('names the running local broker with its admin credentials', async () => {
    const profile = await profileFromArgs({ local: true }, process.env);
    expect(profile.bootstrapServers).toEqual(process.env.KAFKA_BOOTSTRAP_SERVERS?.split(','));
    const admin = (await createKafka(profile)).admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses other connection flags beside it', async () => {
    await expect(profileFromArgs({ local: true, auth: 'iam' }, process.env)).rejects.toThrow(
      '--local names the local broker: drop --auth',
    );
  });
});
