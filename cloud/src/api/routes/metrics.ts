/** GET /metrics: the instance's Prometheus registry in the text exposition format. */
import type { CloudMetrics } from '../../observability/metrics.js';
import type { RequestContext } from '../context.js';

export async function handleMetrics(ctx: RequestContext, metrics: CloudMetrics): Promise<void> {
  await metrics.fleet.refresh(); // the fleet gauges read gateway_status once per scrape
  const text = await metrics.registry.metrics();
  ctx.send(200, metrics.registry.contentType, text);
}
