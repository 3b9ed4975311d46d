/**
 * Security rules checked over a terraform plan (`terraform show -json PLANFILE`), so what is proven is what terraform
 * would do, not what the TypeScript meant. Pure: plan JSON in, violations out. A value the plan cannot know yet
 * (an ARN of a resource still to be created) passes only where the rule can still be decided from the configuration's
 * references, e.g. "the at-rest key is this stack's aws_kms_key".
 */

export interface PolicyViolation {
  rule: string;
  address: string;
  message: string;
}

/** A statement allowed to name Resource "*": only for these actions, for this reason. */
export interface WildcardResourceException {
  /** The only actions the statement may hold: each one AWS authorizes on "*" only. */
  actions: string[];
  /** Why AWS demands "*" here (the policy checker's output and the docs show it). */
  reason: string;
}

export interface PolicyCheckOptions {
  /**
   * Statement ids allowed to name Resource "*", each with its actions and the reason AWS demands it. A statement with
   * that sid but any other action is still a violation. The SSM Session Manager permissions that need "*" come from
   * the AWS managed policy below, not from a statement.
   */
  wildcardResourceStatements?: Record<string, WildcardResourceException>;
  /** AWS managed policies the stack may attach, by name. */
  managedPolicies?: string[];
}

/**
 * The jumper's one statement on "*": the users store lists this cluster's `AmazonMSK_<stack>_` secrets with one
 * paginated ListSecrets (reconciler/users/msk-secrets.ts), and Secrets Manager authorizes ListSecrets on "*" only (the
 * service authorization reference lists no resource type for it). It returns names, tags and key ids, never a value.
 */
export const LIST_SECRETS_STATEMENT = 'ListScramSecretsByName';

export const DEFAULT_POLICY_CHECK_OPTIONS: Required<PolicyCheckOptions> = {
  wildcardResourceStatements: {
    [LIST_SECRETS_STATEMENT]: {
      actions: ['secretsmanager:ListSecrets'],
      reason:
        'secretsmanager:ListSecrets has no resource-level permissions (Resource must be "*"); it returns secret ' +
        "names, tags and key ids, never a secret's value",
    },
  },
  managedPolicies: ['AmazonSSMManagedInstanceCore'],
};

type Json = unknown;
type JsonObject = Record<string, Json>;

interface ResourceChange {
  address: string;
  mode: 'managed' | 'data';
  type: string;
  change: { actions: string[]; after: Json; after_unknown?: Json };
}

interface ConfigResource {
  address: string;
  type: string;
  expressions?: JsonObject;
}

/** A value from the plan: known (with its value) or unknown until apply. */
type Planned = { known: true; value: Json } | { known: false };

const isObject = (value: Json): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function step(node: Json, key: string | number): Json {
  if (typeof key === 'number') return Array.isArray(node) ? node[key] : undefined;
  return isObject(node) ? node[key] : undefined;
}

function walk(node: Json, path: Array<string | number>): Json {
  return path.reduce<Json>((current, key) => step(current, key), node);
}

class PlannedResource {
  constructor(
    readonly change: ResourceChange,
    private readonly config: ConfigResource | undefined,
  ) {}

  get address(): string {
    return this.change.address;
  }

  at(...path: Array<string | number>): Planned {
    if (walk(this.change.change.after_unknown, path) === true) return { known: false };
    return { known: true, value: walk(this.change.change.after, path) };
  }

  /** The addresses an argument's configuration expression refers to (blocks are lists in the configuration). */
  references(...path: Array<string | number>): string[] {
    const expression = walk(this.config?.expressions, path);
    const references = isObject(expression) ? expression.references : undefined;
    return Array.isArray(references) ? references.filter((item): item is string => typeof item === 'string') : [];
  }

  refersTo(type: string, ...path: Array<string | number>): boolean {
    return this.references(...path).some((reference) => reference.startsWith(`${type}.`));
  }
}

function resourcesOf(plan: Json): PlannedResource[] {
  const changes = walk(plan, ['resource_changes']);
  if (!Array.isArray(changes)) throw new Error('not a terraform plan: no resource_changes (use terraform show -json)');
  const configs = walk(plan, ['configuration', 'root_module', 'resources']);
  const configByAddress = new Map<string, ConfigResource>();
  if (Array.isArray(configs)) {
    for (const config of configs) if (isObject(config)) configByAddress.set(String(config.address), config as never);
  }
  return (changes as ResourceChange[])
    .filter((change) => !change.change.actions.includes('delete') || change.change.actions.includes('create'))
    .map((change) => {
      const configAddress = change.address.replace(/\[[^\]]*\]$/, '');
      return new PlannedResource(change, configByAddress.get(configAddress));
    });
}

const WORLD = ['0.0.0.0/0', '::/0'];

function asStrings(value: Json): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function coversPort(fromPort: Json, toPort: Json, protocol: Json, port: number): boolean {
  if (protocol === '-1' || protocol === 'all') return true;
  if (protocol !== 'tcp' && protocol !== '6') return false;
  const from = typeof fromPort === 'number' ? fromPort : Number.NaN;
  const to = typeof toPort === 'number' ? toPort : from;
  return from <= port && port <= to;
}

interface IngressRule {
  /** CIDR sources; "(any)" when the rule names no source at all. */
  cidrs: string[];
  /** Whether a security group or prefix list is (or may be, while unknown) a source. */
  fromGroup: boolean;
  from: Json;
  to: Json;
  protocol: Json;
}

const present = (planned: Planned) => !planned.known || (planned.value !== null && planned.value !== undefined);

/** Ingress rules in all three spellings terraform has: inline blocks, aws_security_group_rule, the VPC rule resource. */
function ingressRules(resource: PlannedResource): IngressRule[] {
  const { type } = resource.change;
  const after = resource.change.change.after;
  if (type === 'aws_security_group' || type === 'aws_default_security_group') {
    const inline = resource.at('ingress');
    if (!inline.known || !Array.isArray(inline.value)) return [];
    return inline.value.filter(isObject).map((rule) => ({
      cidrs: [...asStrings(rule.cidr_blocks), ...asStrings(rule.ipv6_cidr_blocks)],
      fromGroup:
        asStrings(rule.security_groups).length > 0 || rule.self === true || asStrings(rule.prefix_list_ids).length > 0,
      from: rule.from_port,
      to: rule.to_port,
      protocol: rule.protocol,
    }));
  }
  if (type === 'aws_security_group_rule' && isObject(after) && after.type === 'ingress') {
    return [
      {
        cidrs: [...asStrings(after.cidr_blocks), ...asStrings(after.ipv6_cidr_blocks)],
        fromGroup: present(resource.at('source_security_group_id')) || after.self === true,
        from: after.from_port,
        to: after.to_port,
        protocol: after.protocol,
      },
    ];
  }
  if (type === 'aws_vpc_security_group_ingress_rule' && isObject(after)) {
    const cidrs = [after.cidr_ipv4, after.cidr_ipv6].filter((item): item is string => typeof item === 'string');
    const fromGroup = present(resource.at('referenced_security_group_id')) || present(resource.at('prefix_list_id'));
    return [
      {
        cidrs: cidrs.length || fromGroup ? cidrs : ['(any)'],
        fromGroup,
        from: after.from_port,
        to: after.to_port,
        protocol: after.ip_protocol,
      },
    ];
  }
  return [];
}

interface Statement {
  sid: string;
  effect: Json;
  actions: Planned[];
  resources: Planned[];
  notActions: boolean;
  notResources: boolean;
}

/** Statements of an aws_iam_policy_document data source, read even while its resources are unknown. */
function documentStatements(resource: PlannedResource): Statement[] {
  const statements = resource.at('statement');
  if (!statements.known || !Array.isArray(statements.value)) return [];
  return statements.value.map((raw, index) => {
    const list = (key: string): Planned[] => {
      const whole = resource.at('statement', index, key);
      if (!whole.known) return [{ known: false }];
      if (!Array.isArray(whole.value)) return [];
      return whole.value.map((_item, position) => resource.at('statement', index, key, position));
    };
    const statement = isObject(raw) ? raw : {};
    return {
      sid: typeof statement.sid === 'string' && statement.sid !== '' ? statement.sid : `#${index}`,
      effect: statement.effect ?? 'Allow',
      actions: list('actions'),
      resources: list('resources'),
      notActions: asStrings(statement.not_actions).length > 0,
      notResources: asStrings(statement.not_resources).length > 0,
    };
  });
}

/** Statements of a policy given as JSON text. */
function jsonStatements(text: string): Statement[] {
  const parsed = JSON.parse(text) as Json;
  const raw = walk(parsed, ['Statement']);
  const statements = Array.isArray(raw) ? raw : [raw];
  const many = (value: Json): Planned[] =>
    (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((item) => ({ known: true, value: item }));
  return statements.filter(isObject).map((statement, index) => ({
    sid: typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `#${index}`,
    effect: statement.Effect,
    actions: many(statement.Action),
    resources: many(statement.Resource),
    notActions: statement.NotAction !== undefined,
    notResources: statement.NotResource !== undefined,
  }));
}

/** "*", or an ARN whose service, region or account is a wildcard: a grant on everything of a kind. */
function isWildcardResource(resource: string): boolean {
  if (resource === '*') return true;
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6) return resource.includes('*');
  const [, partition, service, , , ...rest] = parts;
  const resourcePart = rest.join(':');
  return [partition, service].some((part) => part.includes('*')) || resourcePart === '*' || resourcePart === '';
}

function checkStatements(
  statements: Statement[],
  address: string,
  options: Required<PolicyCheckOptions>,
  violations: PolicyViolation[],
): void {
  for (const statement of statements) {
    if (statement.effect !== 'Allow') continue;
    const where = `${address} statement ${statement.sid}`;
    if (statement.notActions || statement.notResources) {
      violations.push({
        rule: 'iam-no-wildcards',
        address,
        message: `${where}: Allow with NotAction/NotResource grants everything else`,
      });
    }
    for (const action of statement.actions) {
      if (!action.known) {
        violations.push({ rule: 'iam-no-wildcards', address, message: `${where}: an action is unknown at plan time` });
      } else if (typeof action.value === 'string' && action.value.includes('*')) {
        violations.push({ rule: 'iam-no-wildcards', address, message: `${where}: wildcard action ${action.value}` });
      }
    }
    const exception = Object.hasOwn(options.wildcardResourceStatements, statement.sid)
      ? options.wildcardResourceStatements[statement.sid]
      : undefined;
    const onlyExceptedActions =
      exception !== undefined &&
      statement.actions.every(
        (action) => action.known && typeof action.value === 'string' && exception.actions.includes(action.value),
      );
    for (const resource of statement.resources) {
      // Unknown at plan time means computed from a resource of this stack: specific by construction.
      if (!resource.known || typeof resource.value !== 'string' || !isWildcardResource(resource.value)) continue;
      if (resource.value === '*' && onlyExceptedActions) continue;
      const excepted = exception
        ? ` (the exception for ${statement.sid} covers ${exception.actions.join(', ')} only)`
        : '';
      violations.push({
        rule: 'iam-no-wildcards',
        address,
        message: `${where}: wildcard resource ${resource.value}${excepted}`,
      });
    }
  }
}

/** Resources whose loss is the cluster's loss: a new cluster is empty, and what the key encrypted is unreadable. */
const IRREPLACEABLE = {
  aws_msk_cluster: 'a new cluster starts empty: every topic, message and ACL is lost',
  aws_kms_key: 'everything encrypted with it (broker volumes, secrets, logs) becomes unreadable',
} as const;

interface RawChange {
  address: string;
  type: string;
  mode: string;
  change: { actions: string[]; before?: Json; replace_paths?: Array<Array<string | number>> };
}

/** `broker_node_group_info[0].client_subnets`: the attribute path as terraform prints it. */
function pathText(path: Array<string | number>): string {
  return path.map((step, index) => (typeof step === 'number' ? `[${step}]` : index === 0 ? step : `.${step}`)).join('');
}

function forcedBy(change: RawChange): string {
  const paths = (change.change.replace_paths ?? []).map(pathText);
  return paths.length > 0 ? `, forced by ${paths.join(', ')}` : '';
}

/**
 * Plans that would lose the cluster: replacing or destroying the MSK cluster or the key, or deleting a configuration
 * the cluster runs with (create-before-destroy of a configuration the cluster moves away from in the same apply is
 * how upgrades work, and passes). Reads prior_state to know which configuration is in use.
 */
function clusterLoss(plan: Json): PolicyViolation[] {
  const changes = (walk(plan, ['resource_changes']) as RawChange[]).filter((change) => change.mode === 'managed');
  const prior = walk(plan, ['prior_state', 'values', 'root_module', 'resources']);
  const configurationsInUse = new Set(
    (Array.isArray(prior) ? prior : [])
      .filter((resource) => isObject(resource) && resource.type === 'aws_msk_cluster')
      .map((resource) => walk(resource, ['values', 'configuration_info', 0, 'arn']))
      .filter((arn): arn is string => typeof arn === 'string'),
  );
  const violations: PolicyViolation[] = [];
  for (const change of changes) {
    const actions = change.change.actions;
    if (!actions.includes('delete')) continue;
    const verb = actions.includes('create') ? 'replaces' : 'destroys';
    if (change.type in IRREPLACEABLE) {
      violations.push({
        rule: 'no-cluster-loss',
        address: change.address,
        message: `the plan ${verb} ${change.address}${forcedBy(change)}: ${IRREPLACEABLE[change.type as keyof typeof IRREPLACEABLE]}`,
      });
    } else if (change.type === 'aws_msk_configuration') {
      const arn = walk(change.change.before, ['arn']);
      const createdFirst = actions.join() === 'create,delete';
      if (typeof arn === 'string' && configurationsInUse.has(arn) && !createdFirst) {
        violations.push({
          rule: 'no-cluster-loss',
          address: change.address,
          message: `the plan ${verb} ${change.address}${forcedBy(change)} while the cluster runs with it (MSK refuses, or the brokers lose their configuration); name it by version with create_before_destroy`,
        });
      }
    }
  }
  return violations;
}

/** Every rule, over the plan JSON of `terraform show -json`. Empty means the plan is acceptable. */
export function checkPlanPolicy(plan: unknown, options: PolicyCheckOptions = {}): PolicyViolation[] {
  const settings: Required<PolicyCheckOptions> = { ...DEFAULT_POLICY_CHECK_OPTIONS, ...options };
  const violations: PolicyViolation[] = [];
  const fail = (rule: string, resource: PlannedResource, message: string) =>
    violations.push({ rule, address: resource.address, message });
  const resources = resourcesOf(plan);
  violations.push(...clusterLoss(plan));
  const ofType = (type: string, mode: 'managed' | 'data' = 'managed') =>
    resources.filter((resource) => resource.change.type === type && resource.change.mode === mode);

  for (const cluster of ofType('aws_msk_cluster')) {
    const key = cluster.at('encryption_info', 0, 'encryption_at_rest_kms_key_arn');
    const keyIsCmk = key.known
      ? typeof key.value === 'string' && /^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\//.test(key.value)
      : cluster.refersTo('aws_kms_key', 'encryption_info', 0, 'encryption_at_rest_kms_key_arn');
    if (!keyIsCmk) fail('msk-encryption-at-rest-cmk', cluster, 'encryption at rest must use a customer-managed key');

    const clientBroker = cluster.at('encryption_info', 0, 'encryption_in_transit', 0, 'client_broker');
    if (!clientBroker.known || clientBroker.value !== 'TLS') {
      fail('msk-tls-only', cluster, `client-broker encryption must be TLS only (is ${String(value(clientBroker))})`);
    }
    const inCluster = cluster.at('encryption_info', 0, 'encryption_in_transit', 0, 'in_cluster');
    if (!inCluster.known || inCluster.value !== true) {
      fail('msk-tls-only', cluster, 'encryption between brokers must be on');
    }

    const unauthenticated = cluster.at('client_authentication', 0, 'unauthenticated');
    if (!unauthenticated.known || unauthenticated.value !== false) {
      fail('msk-auth', cluster, 'unauthenticated access must be explicitly off');
    }
    for (const mechanism of ['scram', 'iam']) {
      const enabled = cluster.at('client_authentication', 0, 'sasl', 0, mechanism);
      if (!enabled.known || enabled.value !== true)
        fail('msk-auth', cluster, `SASL/${mechanism.toUpperCase()} must be on`);
    }
  }

  for (const configuration of ofType('aws_msk_configuration')) {
    const properties = configuration.at('server_properties');
    const text = properties.known && typeof properties.value === 'string' ? properties.value : '';
    const settingsOf = new Map(
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()] as const),
    );
    if (settingsOf.get('allow.everyone.if.no.acl.found') !== 'false') {
      fail('msk-acl-default-deny', configuration, 'allow.everyone.if.no.acl.found must be false');
    }
    if (settingsOf.get('auto.create.topics.enable') !== 'false') {
      fail('msk-acl-default-deny', configuration, 'auto.create.topics.enable must be false');
    }
  }

  for (const resource of resources.filter((item) => item.change.mode === 'managed')) {
    for (const rule of ingressRules(resource)) {
      const open = rule.cidrs.filter((source) => WORLD.includes(source) || source === '(any)');
      if (open.length > 0) {
        fail('no-world-ingress', resource, `ingress from ${open.join(', ')} (port ${String(rule.from)})`);
      }
      if ((rule.cidrs.length > 0 || rule.fromGroup) && coversPort(rule.from, rule.to, rule.protocol, 22)) {
        const source = rule.cidrs.length > 0 ? rule.cidrs.join(', ') : 'a security group';
        fail('no-ssh-ingress', resource, `SSH (22) ingress from ${source}; the jumper uses Session Manager`);
      }
    }
  }

  for (const instance of ofType('aws_instance')) {
    const tokens = instance.at('metadata_options', 0, 'http_tokens');
    if (!tokens.known || tokens.value !== 'required')
      fail('imdsv2-required', instance, 'metadata_options.http_tokens must be "required"');
    const encrypted = instance.at('root_block_device', 0, 'encrypted');
    if (!encrypted.known || encrypted.value !== true)
      fail('root-volume-encrypted', instance, 'root volume must be encrypted');
    const devices = instance.at('ebs_block_device');
    if (devices.known && Array.isArray(devices.value)) {
      devices.value.forEach((device, index) => {
        if (!isObject(device) || device.encrypted !== true) {
          fail('root-volume-encrypted', instance, `ebs_block_device ${index} must be encrypted`);
        }
      });
    }
  }

  for (const key of ofType('aws_kms_key')) {
    const rotation = key.at('enable_key_rotation');
    if (!rotation.known || rotation.value !== true) fail('kms-rotation', key, 'key rotation must be on');
  }

  for (const secret of ofType('aws_secretsmanager_secret')) {
    const key = secret.at('kms_key_id');
    const hasKey = key.known
      ? typeof key.value === 'string' && key.value !== ''
      : secret.refersTo('aws_kms_key', 'kms_key_id');
    if (!hasKey) fail('secrets-cmk', secret, 'secrets must be encrypted with the customer-managed key');
  }
  for (const type of [
    'aws_secretsmanager_secret_version',
    'aws_msk_scram_secret_association',
    'aws_msk_single_scram_secret_association',
  ]) {
    for (const resource of ofType(type)) {
      fail(
        'no-secret-values-in-state',
        resource,
        `${type} puts secret values or user associations in terraform; the reconciler owns them`,
      );
    }
  }

  for (const document of ofType('aws_iam_policy_document', 'data')) {
    checkStatements(documentStatements(document), document.address, settings, violations);
  }
  const policyArguments: Array<[string, string]> = [
    ['aws_iam_role_policy', 'policy'],
    ['aws_iam_policy', 'policy'],
    ['aws_iam_user_policy', 'policy'],
    ['aws_iam_group_policy', 'policy'],
    ['aws_iam_role', 'assume_role_policy'],
  ];
  for (const [type, argument] of policyArguments) {
    for (const resource of ofType(type)) {
      const policy = resource.at(argument);
      if (policy.known) {
        if (typeof policy.value === 'string' && policy.value !== '') {
          checkStatements(jsonStatements(policy.value), resource.address, settings, violations);
        }
      } else if (!resource.refersTo('data.aws_iam_policy_document', argument)) {
        fail(
          'iam-no-wildcards',
          resource,
          `${argument} is unknown at plan time and not from a checked policy document`,
        );
      }
    }
  }
  for (const attachment of ofType('aws_iam_role_policy_attachment')) {
    const arn = attachment.at('policy_arn');
    const name =
      arn.known && typeof arn.value === 'string'
        ? /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/.exec(arn.value)?.[1]
        : undefined;
    if (!name || !settings.managedPolicies.includes(name)) {
      fail(
        'iam-managed-policies',
        attachment,
        `only ${settings.managedPolicies.join(', ')} may be attached (got ${String(value(arn))})`,
      );
    }
  }

  return violations;
}

function value(planned: Planned): Json {
  return planned.known ? planned.value : '(unknown until apply)';
}
