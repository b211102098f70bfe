import type { AlertEvent } from "~/shared/alerts";

export interface AlertDeliveryOptions {
  /** the waits before each retry, in order; a delivery is tried once more than there are delays */
  retryDelaysMs: number[];
  /** one attempt's limit, until the receiver's answer has arrived */
  timeoutMs: number;
}

/**
 * The per-process state of alerts: how deliveries retry and time out, and the deliveries
 * running in the background (notifyAlert never makes its caller wait), so a CLI command or a
 * test can wait for them before it exits.
 */
export class AlertDeliveries {
  readonly retryDelaysMs: readonly number[];
  readonly timeoutMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  /** lasting conditions already told (the disk nearly full): told again only after they cleared */
  readonly standing = new Set<AlertEvent>();

  constructor(options: AlertDeliveryOptions = { retryDelaysMs: [2_000, 10_000, 60_000], timeoutMs: 10_000 }) {
    this.retryDelaysMs = [...options.retryDelaysMs];
    this.timeoutMs = options.timeoutMs;
  }

  /** Keeps a background delivery until it settles; its failure is the caller's to log. */
  track(promise: Promise<unknown>): void {
    const settled: Promise<void> = promise.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }

  /** Resolves when every delivery in flight has settled, those started meanwhile included. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
