/**
 * Who may talk to the brokers: the jumper on the IAM listener only (the reconciler) and the app services on the SCRAM
 * listener only, each by security group, never by address; with public access on, only the listed CIDRs, and only on
 * the public ports. Nothing may reach the jumper: it is administered through SSM Session Manager, not SSH.
 */
import { Construct } from 'constructs';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';

/** MSK's client ports: https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html */
export const MSK_PORTS = {
  scram: 9096,
  iam: 9098,
  publicScram: 9196,
  publicIam: 9198,
  jmxExporter: 11001,
  nodeExporter: 11002,
} as const;

export interface SecurityGroupsProps {
  name: string;
  vpcId: string;
  publicAccessCidrs: string[];
  openMonitoring: boolean;
}

export class SecurityGroups extends Construct {
  readonly brokers: SecurityGroup;
  readonly jumper: SecurityGroup;
  /** Attach to the ECS services, Lambdas or instances that produce and consume (SCRAM users). */
  readonly appServices: SecurityGroup;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    // Rules live in their own resources, never inline: inline and separate rules on one group fight each other.
    const group = (key: string, description: string, ignoreChanges?: string[]) =>
      new SecurityGroup(this, key, {
        // A prefix, not a name: a replacement is created before the old group goes, and two groups cannot share a name.
        namePrefix: `${props.name}-${key}-`,
        description,
        vpcId: props.vpcId,
        tags: { Name: `${props.name}-${key}` },
        lifecycle: { createBeforeDestroy: true, ignoreChanges },
      });
    // AWS cannot change a group's description in place: terraform would replace the group, and a new group on the
    // brokers replaces the cluster (all data lost). An edited description is therefore ignored, never applied.
    this.brokers = group('brokers', 'MSK brokers: IAM from the jumper, SCRAM from app services', ['description']);
    this.jumper = group('jumper', 'msk-gitops jumper: no ingress (SSM Session Manager), HTTPS and Kafka out');
    this.appServices = group('app-services', 'Kafka clients of the MSK cluster (SCRAM users)');

    // Each client on its own listener only: the reconciler authenticates with IAM, the apps with SCRAM.
    const clients = [
      { key: 'jumper', group: this.jumper, auth: 'iam', port: MSK_PORTS.iam },
      { key: 'apps', group: this.appServices, auth: 'scram', port: MSK_PORTS.scram },
    ] as const;
    for (const { key, group: client, auth, port } of clients) {
      new VpcSecurityGroupIngressRule(this, `brokers-from-${key}-${auth}`, {
        securityGroupId: this.brokers.id,
        referencedSecurityGroupId: client.id,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: `${auth.toUpperCase()} from ${key}`,
      });
      new VpcSecurityGroupEgressRule(this, `${key}-to-brokers-${auth}`, {
        securityGroupId: client.id,
        referencedSecurityGroupId: this.brokers.id,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        description: `${auth.toUpperCase()} to the MSK brokers`,
      });
    }

    if (props.openMonitoring) {
      // Prometheus scrapes from inside the VPC; it runs as an app service, so the app services group is its source.
      new VpcSecurityGroupIngressRule(this, 'brokers-from-apps-prometheus', {
        securityGroupId: this.brokers.id,
        referencedSecurityGroupId: this.appServices.id,
        ipProtocol: 'tcp',
        fromPort: MSK_PORTS.jmxExporter,
        toPort: MSK_PORTS.nodeExporter,
        description: 'Prometheus JMX and node exporters',
      });
    }

    props.publicAccessCidrs.forEach((cidr, index) => {
      const source = cidr.includes(':') ? { cidrIpv6: cidr } : { cidrIpv4: cidr };
      for (const [auth, port] of [
        ['scram', MSK_PORTS.publicScram],
        ['iam', MSK_PORTS.publicIam],
      ] as const) {
        new VpcSecurityGroupIngressRule(this, `brokers-public-${index}-${auth}`, {
          securityGroupId: this.brokers.id,
          ...source,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          description: `public ${auth.toUpperCase()} from ${cidr}`,
        });
      }
    });

    // The jumper reaches SSM, Secrets Manager, MSK's API, git and npm over HTTPS. DNS and time go to the VPC's
    // link-local services, which security groups do not filter.
    new VpcSecurityGroupEgressRule(this, 'jumper-https-out', {
      securityGroupId: this.jumper.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      description: 'HTTPS: SSM, Secrets Manager, MSK API, git, npm, Slack',
    });
  }
}
