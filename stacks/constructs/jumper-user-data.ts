/**
 * What the jumper runs at first boot: Node 20, the reconciler from git, its config file (IAM connection profile and
 * manifests source), its environment and its systemd unit. Plain functions of plain strings, so tests read them
 * without synth; the stack passes terraform tokens (resolved at apply, once the cluster exists) in the same places.
 */

export const CONFIG_DIR = '/etc/msk-gitops';
export const APP_DIR = '/opt/msk-gitops';
export const SERVICE_USER = 'msk-gitops';

/**
 * The connection profile (reconciler/connection/profile.ts): IAM over TLS to the private IAM listeners, plus the
 * cluster and key the reconciler needs to manage the AmazonMSK_* user secrets.
 */
export function connectionProfile(props: {
  bootstrapServers: string[];
  region: string;
  clusterArn: string;
  kmsKeyArn: string;
}) {
  return {
    auth: 'iam' as const,
    tls: true,
    bootstrapServers: props.bootstrapServers,
    region: props.region,
    msk: { clusterArn: props.clusterArn, secretsKmsKeyId: props.kmsKeyArn },
  };
}

export interface DaemonConfigProps {
  connection: ReturnType<typeof connectionProfile>;
  desiredState: { repo: string; branch: string; path: string };
  /** The secret holding an HTTPS token for the desired-state repository; unset for a public repository. */
  gitTokenSecretArn?: string;
  /** The secret holding the Slack webhook URL; unset to report to the journal only. */
  slackWebhookSecretArn?: string;
}

/**
 * The file `msk-gitops run --config` reads (reconciler/daemon/config.ts): the profile under `connection`, the manifests
 * from git, secrets by reference only (resolved by the daemon at run time, never written to the instance).
 */
export function daemonConfig(props: DaemonConfigProps) {
  const git = {
    url: props.desiredState.repo,
    branch: props.desiredState.branch,
    path: props.desiredState.path,
    ...(props.gitTokenSecretArn && { auth: { tokenRef: { secretsManager: props.gitTokenSecretArn } } }),
  };
  return {
    connection: props.connection,
    source: { git },
    ...(props.slackWebhookSecretArn && { slack: { webhookUrlRef: { secretsManager: props.slackWebhookSecretArn } } }),
  };
}

/** The daemon's environment: where the AWS SDK signs and calls; no secrets. */
export function daemonEnvironment(props: { region: string }): Record<string, string> {
  return { AWS_REGION: props.region, AWS_STS_REGIONAL_ENDPOINTS: 'regional' };
}

/** The controller's systemd unit ships with the reconciler, so the unit and the daemon change together. */
export const UNIT_PATH = 'reconciler/daemon/msk-gitops.service';

export interface UserDataProps {
  reconcilerRepo: string;
  reconcilerRef: string;
  /** JSON text of the daemon's config file (a terraform jsonencode token in the stack). */
  configJson: string;
  environment: Record<string, string>;
}

/**
 * The cloud-init script. Written for terraform: it contains no `$` + `{` or `%` + `{` of its own, since terraform would
 * read them as interpolations; the only ones are the tokens the stack passes in.
 */
export function jumperUserData(props: UserDataProps): string {
  const envFile = Object.entries(props.environment)
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  return `#!/bin/bash
# msk-gitops jumper bootstrap: runs once, as root, at first boot. Log: /var/log/msk-gitops-bootstrap.log
set -euo pipefail
exec >>/var/log/msk-gitops-bootstrap.log 2>&1

REPO='${props.reconcilerRepo}'
REF='${props.reconcilerRef}'
APP_DIR='${APP_DIR}'
CONFIG_DIR='${CONFIG_DIR}'

# Node 20 from the Amazon Linux 2023 repositories; make it the default node for the unit's #!/usr/bin/env node.
dnf install -y nodejs20 nodejs20-npm git-core
if ! node --version 2>/dev/null | grep -q '^v20\\.'; then
  alternatives --set node /usr/bin/node-20
fi
node --version | grep -q '^v20\\.' || { echo 'Node 20 is not the default node' >&2; exit 1; }
NPM=$(command -v npm || command -v npm-20)

id ${SERVICE_USER} >/dev/null 2>&1 || useradd --system --home-dir /var/lib/msk-gitops --shell /sbin/nologin ${SERVICE_USER}

# A tag or a full commit SHA (the stack refuses branches): fetch exactly that, shallow, and check a SHA landed as asked.
rm -rf "$APP_DIR"
mkdir -p "$APP_DIR"
git -C "$APP_DIR" init -q
git -C "$APP_DIR" remote add origin "$REPO"
git -C "$APP_DIR" fetch -q --depth 1 origin "$REF"
git -C "$APP_DIR" checkout -q FETCH_HEAD
if [[ "$REF" =~ ^[0-9a-f]{40}$ ]] && [ "$(git -C "$APP_DIR" rev-parse HEAD)" != "$REF" ]; then
  echo "fetched $(git -C "$APP_DIR" rev-parse HEAD), expected $REF" >&2
  exit 1
fi
# npm ci builds the CLI into dist/ (the prepare script runs tsc, a dev dependency); then the dev dependencies go.
(cd "$APP_DIR" && "$NPM" ci --no-audit --no-fund && "$NPM" prune --omit=dev --no-audit --no-fund)
chmod 755 "$APP_DIR/bin/msk-gitops.js"
ln -sf "$APP_DIR/bin/msk-gitops.js" /usr/local/bin/msk-gitops

install -d -m 0750 -o root -g ${SERVICE_USER} "$CONFIG_DIR"
cat >"$CONFIG_DIR/config.json" <<'MSK_GITOPS_CONFIG'
${props.configJson}
MSK_GITOPS_CONFIG
cat >"$CONFIG_DIR/env" <<'MSK_GITOPS_ENV'
${envFile}
MSK_GITOPS_ENV
chown root:${SERVICE_USER} "$CONFIG_DIR/config.json" "$CONFIG_DIR/env"
chmod 0640 "$CONFIG_DIR/config.json" "$CONFIG_DIR/env"

install -m 0644 "$APP_DIR/${UNIT_PATH}" /etc/systemd/system/msk-gitops.service
systemctl daemon-reload
systemctl enable --now msk-gitops.service
`;
}
