// The baseline: a pass-through worker to the same upstream, no checks.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM_URL + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body });
  },
};
