// HEALTHCHECK of the image: 0 when this container's service answers GET /ready on its metrics port (every service
// has one), or GET /up on its main port when metrics are off. 1 otherwise.
const metricsOff = ['false', '0'].includes(String(process.env.METRICS_ENABLED ?? '').toLowerCase());
const url = metricsOff ? `http://127.0.0.1:${process.env.PORT ?? 6001}/up` : `http://127.0.0.1:${process.env.METRICS_PORT ?? 9601}/ready`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
