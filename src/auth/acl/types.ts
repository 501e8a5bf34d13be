import type { CallerIdentity } from '../../pki/types.js';
import type { CapabilityName } from './capabilities.js';

/** Parameter values a rule allows or denies, by lower-cased parameter name; `[]` means any value. */
export type ParameterValues = ReadonlyMap<string, readonly unknown[]>;

/** One `path "..." { ... }` block, validated. */
export interface PathRule {
  /** The path as written, less one leading `/`; may still hold `{{identity...}}` placeholders. */
  readonly path: string;
  /** The path holds identity placeholders and is rendered per caller (or dropped). */
  readonly templated: boolean;
  /** After the legacy `policy` mapping; `["deny"]` alone when the rule denies. */
  readonly capabilities: readonly CapabilityName[];
  /** Null when not given; an empty map is the same as not given. */
  readonly allowedParameters: ParameterValues | null;
  readonly deniedParameters: ParameterValues | null;
  readonly requiredParameters: readonly string[];
  /** Seconds; 0 when not set. */
  readonly minWrappingTtl: number;
  readonly maxWrappingTtl: number;
  readonly subscribeEventTypes: readonly string[];
}

export interface Policy {
  /** Lower-cased and trimmed, as Vault stores policy names. */
  readonly name: string;
  /** The text it was parsed from (empty for the built-in root policy). */
  readonly raw: string;
  readonly rules: readonly PathRule[];
  /** Some rule holds identity placeholders. */
  readonly templated: boolean;
  /** The built-in `root` policy: everything, including sudo. Only ROOT_POLICY has it. */
  readonly root: boolean;
}

export interface AclGroup {
  id: string;
  name: string;
  metadata: Record<string, string>;
}

/**
 * What policy templates can refer to: the caller's entity, its aliases by mount accessor and
 * the identity groups it belongs to. A plain CallerIdentity fits (no custom metadata, no groups).
 */
export interface AclIdentity extends CallerIdentity {
  aliases: Record<string, { id: string; name: string; metadata: Record<string, string>; customMetadata?: Record<string, string> }>;
  groups?: readonly AclGroup[];
}

export interface AclDecision {
  allowed: boolean;
  /** Why a request was refused; for logs, not for the client (Vault answers "permission denied"). */
  reason?: string;
  /** The rule that decided grants sudo (always true for root). */
  sudo: boolean;
}

export interface AllowOptions {
  /** The endpoint needs sudo as well as the capability (Vault's root-protected paths). */
  requireSudo?: boolean;
  /** The response-wrapping TTL the request asked for, in seconds; absent when not wrapped. */
  wrapTtl?: number;
}
