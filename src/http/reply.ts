/** What a route handler answers; one renderer turns it into Vault's wire format. */
export interface AuthBlock {
  client_token: string;
  accessor: string;
  policies: string[];
  token_policies: string[];
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  mfa_requirement: null;
  num_uses: number;
}

export interface ResponseReply {
  type: 'response';
  status: number;
  data: Record<string, unknown> | null;
  auth: AuthBlock | null;
  warnings: string[];
  leaseId: string;
  leaseDuration: number;
  renewable: boolean;
  /** sys/mounts and friends copy `data` to the top level for old clients. */
  dataAtTopLevel: boolean;
}

export interface RawReply {
  type: 'raw';
  status: number;
  contentType: string;
  body: string | Buffer;
  headers?: Record<string, string>;
}

export type Reply = ResponseReply | RawReply | { type: 'no_content' };

export function respond(
  data: Record<string, unknown> | null,
  options: Partial<Omit<ResponseReply, 'type' | 'data'>> = {},
): ResponseReply {
  return {
    type: 'response',
    status: options.status ?? 200,
    data,
    auth: options.auth ?? null,
    warnings: options.warnings ?? [],
    leaseId: options.leaseId ?? '',
    leaseDuration: options.leaseDuration ?? 0,
    renewable: options.renewable ?? false,
    dataAtTopLevel: options.dataAtTopLevel ?? false,
  };
}

export const noContent = (): Reply => ({ type: 'no_content' });

export const rawJson = (status: number, body: unknown): RawReply => ({
  type: 'raw',
  status,
  contentType: 'application/json',
  body: `${JSON.stringify(body)}\n`,
});

/** Vault's LIST answer: keys, optional key_info; an empty list is the caller's 404. */
export const listReply = (keys: string[], keyInfo?: Record<string, unknown>): ResponseReply =>
  respond(keyInfo ? { keys, key_info: keyInfo } : { keys });
