/**
 * A prom-client registry of one component's own (never prom-client's global default registry:
 * two gateways or receivers in one process, as in the tests, must not share series), and what
 * a `/metrics` route asks of it.
 */
import { Registry } from 'prom-client';

export class OwnRegistry {
  readonly registry = new Registry();

  /** The Prometheus text exposition of every metric, collected now. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    // The default metrics' event-loop histogram is a disabled-on-GC native monitor; dropping the
    // registry's metrics lets it go.
    this.registry.clear();
  }
}
