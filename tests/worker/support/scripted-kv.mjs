// The built worker with a scripted KV binding, for tests that need KV reads to return given
// envelopes after given delays (out of order): POST /__kv {current, plan: [{value, delay}]}
// sets what the next reads return (then `current` for every read after).
import Worker from '../../../build/index.js';
import { WorkerEntrypoint } from 'cloudflare:workers';

const state = { current: null, plan: [] };
const kv = {
  async get() {
    const step = state.plan.length ? state.plan.shift() : { value: state.current, delay: 0 };
    if (step.delay) await new Promise((r) => setTimeout(r, step.delay));
    return step.value == null ? null : new TextEncoder().encode(step.value).buffer;
  },
};

export default class extends WorkerEntrypoint {
  async fetch(request) {
    if (new URL(request.url).pathname === '/__kv') {
      Object.assign(state, await request.json());
      return new Response('ok');
    }
    const env = new Proxy(this.env, { get: (t, p) => (p === 'SNAPSHOTS' ? kv : Reflect.get(t, p)) });
    return Worker.prototype.fetch.call({ env, ctx: this.ctx }, request);
  }
}
