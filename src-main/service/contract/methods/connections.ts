/** Connection profiles and the switch between them (room methods: served with or without a Redis). */
import { z } from 'zod';
import { noInput } from './fields.js';
import type { ConnectionStatus, ConnectionTestResult, ProfileView } from '../types/connections.js';
import { PROFILE_COLORS } from '../limits.js';

const pem = z.string().max(65_536);

/** A connection profile as the form sends it. For `password` and `tls.key`: absent keeps the stored one, '' removes it. */
const profileInput = z
  .object({
    id: z.string().min(1).max(64).optional(),
    name: z.string().trim().min(1).max(100),
    url: z.string().max(2048).regex(/^(rediss?|sentinels?):\/\/[^\s]+$/, 'a redis:// or rediss:// (TLS) URL, or sentinel://host:26379?master_name=name'),
    username: z.string().max(256).optional(),
    password: z.string().max(4096).optional(),
    db: z.number().int().min(0).max(100_000).optional(),
    tls: z.object({ ca: pem.optional(), cert: pem.optional(), key: pem.optional(), skipVerify: z.boolean().optional() }).strict().optional(),
    color: z.enum(PROFILE_COLORS).default('gray'),
    hostPool: z.boolean().default(false),
    beat: z.boolean().default(false),
  })
  .strict();

export type ProfileInput = z.input<typeof profileInput>;

export const connectionsMethods = {
  'connection:status': {
    room: true,
    reads: true,
    input: noInput,
    output: undefined as unknown as ConnectionStatus,
  },
  'connections:list': {
    room: true,
    reads: true,
    input: noInput,
    output: undefined as unknown as ProfileView[],
  },
  'connections:save': {
    room: true,
    input: profileInput,
    output: undefined as unknown as ProfileView,
  },
  'connections:delete': {
    room: true,
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: undefined as unknown as { deleted: boolean },
  },
  'connections:test': {
    room: true,
    // A saved profile by id, or the form's values before saving.
    input: z.union([z.object({ id: z.string().min(1).max(64) }).strict(), z.object({ profile: profileInput }).strict()]),
    output: undefined as unknown as ConnectionTestResult,
  },
  'connections:use': {
    room: true,
    // Switches the whole control room to this profile; on failure it stays where it was.
    input: z.object({ id: z.string().min(1).max(64) }).strict(),
    output: undefined as unknown as ConnectionStatus,
  },
} as const;
