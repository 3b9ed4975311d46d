/**
 * Where the controller's manifests come from, as its config file states it (`source.git` or `source.local`): the
 * schemas live with the sources that read them, and daemon/config composes them into the whole file's schema.
 */
import cron from 'node-cron';
import { z } from 'zod';
import { SecretRefSchema } from '../connection/profile';

const GitAuthSchema = z
  .object({
    /** An HTTPS token (GitHub fine-grained or deploy token); sent as an auth header, never put in a URL. */
    tokenRef: SecretRefSchema.optional(),
    /** The user name that goes with the token (GitHub accepts any; GitLab wants `oauth2`). */
    username: z.string().min(1).default('x-access-token'),
    /** An SSH deploy key (private key text); written to a 0600 file that GIT_SSH_COMMAND names. */
    sshKeyRef: SecretRefSchema.optional(),
  })
  .strict()
  .refine((auth) => !(auth.tokenRef && auth.sshKeyRef), { message: 'set either tokenRef or sshKeyRef, not both' });

const VerifySchema = z
  .object({
    /** SSH keys allowed to sign, in ssh-keygen's allowed-signers format (`email ssh-ed25519 AAAA…`). */
    allowedSignersFile: z.string().min(1).optional(),
    /** Armored GPG public keys whose signatures are trusted. */
    gpgPublicKeyFiles: z.array(z.string().min(1)).min(1).optional(),
    /** When set, the committer's email must also be one of these. */
    committerEmails: z.array(z.email()).min(1).optional(),
  })
  .strict()
  .refine((verify) => verify.allowedSignersFile || verify.gpgPublicKeyFiles, {
    message: 'set allowedSignersFile, gpgPublicKeyFiles, or both',
  });

export const GitSourceSchema = z
  .object({
    url: z.string().min(1),
    branch: z.string().min(1).default('main'),
    /** The manifests folder inside the repository. */
    path: z.string().default('.'),
    auth: GitAuthSchema.default({ username: 'x-access-token' }),
    /** When to fetch (cron, node-cron syntax; seconds field optional). Default: every minute. */
    schedule: z
      .string()
      .default('* * * * *')
      .refine((expr) => cron.validate(expr), { message: 'not a valid cron expression' }),
    checkoutDir: z.string().default('/var/lib/msk-gitops/checkout'),
    /** Apply only commits whose signature verifies against these signers (and, if listed, committer emails). */
    verify: VerifySchema.optional(),
  })
  .strict();
export type GitSourceConfig = z.infer<typeof GitSourceSchema>;

export const LocalSourceSchema = z
  .object({
    dir: z.string().min(1),
    /** Reconcile once edits have settled for this long. */
    debounceMs: z.number().int().min(0).default(500),
  })
  .strict();
export type LocalSourceConfig = z.infer<typeof LocalSourceSchema>;
