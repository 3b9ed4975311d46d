/** The seed's network: one VPC, a public subnet per availability zone, an internet gateway and its route. */
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
  subnetCidrs: string[];
}

export class Network extends Construct {
  readonly vpc: Vpc;
  readonly subnets: Subnet[];

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
    const routes = new RouteTable(this, 'public-routes', {
      vpcId: this.vpc.id,
      route: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }],
      tags: { Name: `${props.name}-public` },
    });
    this.subnets = props.availabilityZones.map((zone, index) => {
      // Public IPs are not handed out by the subnet: only the jumper asks for one, and MSK brings its own EIPs.
      const subnet = new Subnet(this, `public-${index}`, {
        vpcId: this.vpc.id,
        availabilityZone: zone,
        cidrBlock: props.subnetCidrs[index],
        mapPublicIpOnLaunch: false,
        tags: { Name: `${props.name}-public-${zone}` },
      });
      new RouteTableAssociation(this, `public-${index}-routes`, { subnetId: subnet.id, routeTableId: routes.id });
      return subnet;
    });
  }
}
