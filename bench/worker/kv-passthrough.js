// A second baseline for cold starts: reads the workspace's snapshot text from KV (as the rolegate
// worker does on a fresh isolate), then forwards like passthrough.js. What it costs is workerd's
// and the local KV simulator's share of a cold request, not the gateway's.
export default {
  async fetch(request, env) {
    const text = await env.SNAPSHOTS.get(`workspace:${env.WORKSPACE_ID}`, { cacheTtl: 60 });
    if (text === null) return new Response('no snapshot', { status: 503 });
    const url = new URL(request.url);
    return fetch(env.UPSTREAM_URL + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body });
  },
};
