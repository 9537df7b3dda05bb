import { z } from 'zod';
import { durationSchema } from '../workflow/workflow-schema.js';
import { checkTargetObject, parseTargetString } from './ssh-target.js';

const portSchema = z.number().int().min(1).max(65535);

const hostStringSchema = z.string().superRefine((text, ctx) => {
  const parsed = parseTargetString(text);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

const hostObjectSchema = z
  .object({
    host: z.string().min(1),
    /** @defaultValue the step's `port` */
    port: portSchema.optional(),
    /** @defaultValue the step's `user` */
    user: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const problem = checkTargetObject(spec);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

export const HOST_KEY_CHECKING = ['strict', 'accept-new', 'off'] as const;
export type HostKeyChecking = (typeof HOST_KEY_CHECKING)[number];

export const FAIL_ON = ['any', 'all', 'never'] as const;

export const sshStepInputSchema = z
  .object({
    /**
     * Hosts to run on: `host`, `user@host`, `host:port`, `user@[v6addr]:port`, or
     * `{ host, port?, user? }`. Each host appears once (results are keyed by host).
     */
    hosts: z.array(z.union([hostStringSchema, hostObjectSchema])).min(1, 'hosts needs at least one host'),
    /**
     * Program and arguments. Each argument is quoted for the remote shell, so it arrives as
     * written. To use shell syntax, name a shell: ["sh", "-c", "df -h | tail -n +2"].
     */
    command: z.array(z.string()).min(1, 'command needs at least the program'),
    /** Name of an `ssh-key` (privateKey, passphrase?) or `password` credential. */
    credential: z.string().min(1),
    /** Remote user for hosts that name none. @defaultValue the credential's username, else root */
    user: z.string().min(1).optional(),
    /** Port for hosts that name none. @defaultValue 22 */
    port: portSchema.optional(),
    /**
     * known_hosts file: read for verification and written by `accept-new`.
     * @defaultValue Patrol's known_hosts ($PATROL_HOME/known_hosts), plus ~/.ssh/known_hosts read as well
     */
    knownHosts: z.string().min(1).optional(),
    /**
     * `strict`: only hosts whose key is in known_hosts; `accept-new`: record keys of unknown hosts,
     * reject changed ones; `off`: no verification (logged as a warning). @defaultValue strict
     */
    hostKeyChecking: z.enum(HOST_KEY_CHECKING).optional(),
    /** Time to connect, verify and log in, per host. @defaultValue 10s */
    connectTimeout: durationSchema.optional(),
    /** Hosts worked on at once. @defaultValue 10 */
    parallelism: z.number().int().min(1).max(200).optional(),
    /** Environment variables for the command (set with `env` on the remote side). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and _'), z.string()).optional(),
    /**
     * When the step fails: `any` host failing or unreachable, `all` hosts, or `never` (read the
     * per-host results instead). @defaultValue any
     */
    failOn: z.enum(FAIL_ON).optional(),
    /** Characters of stdout and of stderr kept per host in outputs. @defaultValue 65536 */
    captureLimit: z.number().int().min(0).max(10 * 1024 * 1024).optional(),
  })
  .strict();

export type SshStepInput = z.infer<typeof sshStepInputSchema>;
