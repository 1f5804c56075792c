// A third baseline for cold starts: kv-passthrough.js plus the one JSON log line per request
// the rolegate worker writes. workerd formats console output with its internal inspect module,
// which a fresh isolate loads on its first console call: runtime cost, not the gateway's.
export default {
  async fetch(request, env) {
    const started = Date.now();
    const text = await env.SNAPSHOTS.get(`workspace:${env.WORKSPACE_ID}`, { cacheTtl: 60 });
    if (text === null) return new Response('no snapshot', { status: 503 });
    const url = new URL(request.url);
    const response = await fetch(env.UPSTREAM_URL + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body });
    console.log(JSON.stringify({ event: 'request', method: request.method, path: url.pathname, workspaceId: env.WORKSPACE_ID, status: response.status, durationMs: Date.now() - started }));
    return response;
  },
};
