/**
 * The network: one VPC; the brokers' subnets, one per availability zone, private unless public access is on; and one
 * small public subnet for the jumper, its way to SSM, git and npm without a NAT gateway.
 */
import { Construct } from 'constructs';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';

export interface NetworkProps {
  name: string;
  vpcCidr: string;
  availabilityZones: string[];
  /** The brokers' subnets, one per zone. */
  subnetCidrs: string[];
  jumperSubnetCidr: string;
  /** MSK public access needs the brokers' subnets to route to the internet gateway; otherwise they do not. */
  brokersReachInternet: boolean;
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly brokerSubnets: Subnet[];
  readonly jumperSubnet: Subnet;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    // MSK's broker names resolve through the VPC resolver, so DNS support and hostnames must both be on.
    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: { Name: props.name },
    });
    // Taking over the default security group with no rules: nothing can land in it by accident and be open.
    new DefaultSecurityGroup(this, 'default-sg', {
      vpcId: this.vpc.id,
      tags: { Name: `${props.name}-default-unused` },
    });

    const gateway = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: props.name } });
    const toInternet = [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }];

    // Turning public access on later only adds a route here: the subnets (and so the cluster) stay as they are.
    const brokerRoutes = new RouteTable(this, 'broker-routes', {
      vpcId: this.vpc.id,
      route: props.brokersReachInternet ? toInternet : [],
      tags: { Name: `${props.name}-brokers` },
    });
    this.brokerSubnets = props.availabilityZones.map((zone, index) => {
      const subnet = new Subnet(this, `brokers-${index}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: props.subnetCidrs[index],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-brokers-${zone}` },
      });
      new RouteTableAssociation(this, `brokers-${index}-routes`, {
        subnetId: subnet.id,
        routeTableId: brokerRoutes.id,
      });
      return subnet;
    });

    // Public IPs are not handed out by the subnet: only the jumper asks for one (and MSK brings its own EIPs).
    const publicRoutes = new RouteTable(this, 'jumper-routes', {
      vpcId: this.vpc.id,
      route: toInternet,
      tags: { Name: `${props.name}-jumper` },
    });
    this.jumperSubnet = new Subnet(this, 'jumper', {
      vpcId: this.vpc.id,
      availabilityZone: props.availabilityZones[0],
      cidrBlock: props.jumperSubnetCidr,
      mapPublicIpOnLaunch: false,
      tags: { Name: `${props.name}-jumper-${props.availabilityZones[0]}` },
    });
    new RouteTableAssociation(this, 'jumper-subnet-routes', {
      subnetId: this.jumperSubnet.id,
      routeTableId: publicRoutes.id,
    });
  }
}
