/**
 * What the agent knows about its certificate, for probes and Prometheus: the current set's
 * validity, the next renewal, and counters of renewals and failures. Metrics live in their own
 * Registry (never prom-client's global one) so several agents can run in one process (tests).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';

export interface CertificateState {
  serial: string;
  notBeforeMs: number;
  notAfterMs: number;
}

export class AgentStatus {
  readonly registry = new Registry();
  private current: CertificateState | null = null;
  private renewAtMs: number | null = null;
  private readonly renewals: Counter;
  private readonly failures: Counter;
  private readonly lastRenewal: Gauge;

  constructor(private readonly clock: Clock) {
    const registers = [this.registry];
    const seconds = (ms: number) => ms / 1000;
    const self = this;
    new Gauge({
      name: 'mintca_agent_certificate_expiry_timestamp_seconds',
      help: 'notAfter of the certificate on disk (Unix seconds)',
      registers,
      collect() {
        if (self.current) this.set(seconds(self.current.notAfterMs));
      },
    });
    new Gauge({
      name: 'mintca_agent_certificate_not_before_timestamp_seconds',
      help: 'notBefore of the certificate on disk (Unix seconds)',
      registers,
      collect() {
        if (self.current) this.set(seconds(self.current.notBeforeMs));
      },
    });
    new Gauge({
      name: 'mintca_agent_certificate_seconds_until_expiry',
      help: 'seconds until the certificate on disk expires (negative once expired)',
      registers,
      collect() {
        if (self.current) this.set(seconds(self.current.notAfterMs - self.clock.nowMs()));
      },
    });
    new Gauge({
      name: 'mintca_agent_next_renewal_timestamp_seconds',
      help: 'when the agent plans to renew next (Unix seconds)',
      registers,
      collect() {
        if (self.renewAtMs !== null) this.set(seconds(self.renewAtMs));
      },
    });
    new Gauge({
      name: 'mintca_agent_ready',
      help: '1 while a certificate that is valid now is on disk, else 0',
      registers,
      collect() {
        this.set(self.ready() ? 1 : 0);
      },
    });
    this.renewals = new Counter({ name: 'mintca_agent_renewals_total', help: 'certificates obtained and written', registers });
    this.failures = new Counter({ name: 'mintca_agent_renewal_failures_total', help: 'failed attempts to obtain or write a certificate', registers });
    this.lastRenewal = new Gauge({ name: 'mintca_agent_last_renewal_timestamp_seconds', help: 'when the last certificate was written (Unix seconds)', registers });
  }

  /** A certificate found on disk at start: current, but not a renewal. */
  adopted(cert: CertificateState): void {
    this.current = cert;
  }

  renewed(cert: CertificateState): void {
    this.current = cert;
    this.renewals.inc();
    this.lastRenewal.set(this.clock.nowMs() / 1000);
  }

  failed(): void {
    this.failures.inc();
  }

  scheduled(renewAtMs: number): void {
    this.renewAtMs = renewAtMs;
  }

  /** Ready while the certificate on disk is within its validity period. */
  ready(): boolean {
    const now = this.clock.nowMs();
    return this.current !== null && now >= this.current.notBeforeMs && now < this.current.notAfterMs;
  }

  certificate(): CertificateState | null {
    return this.current;
  }
}
