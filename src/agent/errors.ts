/** An agent failure with a message fit for an operator: no tokens, no key material. */
export class AgentError extends Error {
  constructor(
    message: string,
    /** HTTP status when the server answered; null for network or local failures. */
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}
