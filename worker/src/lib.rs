//! The rolegate edge gateway on Cloudflare Workers: a thin adapter. It reads configuration,
//! loads the caller's workspace snapshot from Workers KV (signed envelope, verified, compiled
//! and cached per isolate by revision), asks `rolegate-gateway` for the decision, forwards
//! allowed requests to the Twenty server, redacts the response, and logs one JSON line per
//! request. Every decision is made in `rolegate-gateway`; nothing here decides.

use rolegate_core::FxHashMap;
use rolegate_gateway::envelope::{self, SignedSnapshot, SnapshotKeys};
use rolegate_gateway::hop::HopByHop;
use rolegate_gateway::respond;
use rolegate_gateway::{
    AgentKeys, Compiled, Config, DecisionRecord, Gateway, Outcome, Request as GwRequest, Response as GwResponse, TokenKeys,
};
use serde_json::json;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use worker::*;

#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Request bodies above this size are refused with 413 before they are read.
const MAX_BODY_BYTES: usize = 1 << 20;

/// Configuration, all from `[vars]` and secrets.
struct Settings {
    upstream: String,
    snapshot_keys: SnapshotKeys,
    gateway: Gateway,
    /// The gateway's own Twenty API key, used upstream for agent requests.
    agent_api_key: Option<String>,
    max_age_secs: f64,
    /// `SNAPSHOT_MIN_REVISION`: envelopes older than this are refused, also by fresh isolates.
    min_revision: MinRevision,
    test_panic_path: Option<String>,
}

/// The oldest snapshot revision the operator allows: one for every workspace, or per workspace
/// (workspaces not named have none).
enum MinRevision {
    None,
    All(u64),
    PerWorkspace(FxHashMap<String, u64>),
}

impl MinRevision {
    fn parse(v: Option<String>) -> std::result::Result<MinRevision, String> {
        let Some(v) = v else { return Ok(MinRevision::None) };
        let bad = || {
            format!("SNAPSHOT_MIN_REVISION \"{v}\" is neither a revision (a whole number) nor a JSON object of workspace id -> revision")
        };
        let t = v.trim();
        if t.starts_with('{') {
            return Self::per_workspace(t).map(MinRevision::PerWorkspace).ok_or_else(bad);
        }
        t.parse::<u64>().map(MinRevision::All).map_err(|_| bad())
    }

    /// Out of line: most deployments set no minimum, or one number.
    #[inline(never)]
    fn per_workspace(t: &str) -> Option<FxHashMap<String, u64>> {
        use rolegate_core::tree::{Json, Node};
        let doc = Json::parse(t).ok()?;
        let map = doc
            .entries()?
            .map(|(w, n)| if rolegate_gateway::auth::is_workspace_id(w) { n.as_u64().map(|n| (w.to_string(), n)) } else { None })
            .collect();
        map
    }

    fn of(&self, workspace: &str) -> Option<u64> {
        match self {
            MinRevision::None => None,
            MinRevision::All(n) => Some(*n),
            MinRevision::PerWorkspace(m) => m.get(workspace).copied(),
        }
    }
}

fn binding(env: &Env, name: &str) -> Option<String> {
    env.secret(name).ok().map(|s| s.to_string()).or_else(|| env.var(name).ok().map(|v| v.to_string())).filter(|s| !s.trim().is_empty())
}

thread_local! {
    /// Parsed configuration. Bindings are fixed for the life of an isolate (a new deployment or
    /// a changed secret starts new isolates), so they are read and parsed once; reading eight
    /// bindings through the JS boundary on every request was a measurable share of its CPU.
    /// A configuration that does not parse is not cached: every request answers 503 with why.
    static SETTINGS: RefCell<Option<Rc<Settings>>> = const { RefCell::new(None) };
}

/// The configuration, parsed once per isolate.
fn settings(env: &Env) -> std::result::Result<Rc<Settings>, String> {
    if let Some(s) = SETTINGS.with(|c| c.borrow().clone()) {
        return Ok(s);
    }
    let s = Rc::new(parse_settings(env)?);
    SETTINGS.with(|c| *c.borrow_mut() = Some(s.clone()));
    Ok(s)
}

#[inline(never)]
fn parse_settings(env: &Env) -> std::result::Result<Settings, String> {
    let upstream = binding(env, "UPSTREAM_URL").ok_or("UPSTREAM_URL is not set")?;
    let parsed = web_sys::Url::new(&upstream).map_err(|e| format!("UPSTREAM_URL is not a URL: {}", Error::from(e)))?;
    if !matches!(parsed.protocol().as_str(), "http:" | "https:") {
        return Err("UPSTREAM_URL must be http(s)".into());
    }
    // The request's path and query are appended to it: a query or fragment in it (even an
    // empty `?` or `#`) would send every request to another path than the one decided, and
    // credentials in it would go to the upstream with every request.
    if upstream.contains(['?', '#']) || !parsed.username().is_empty() || !parsed.password().is_empty() {
        return Err("UPSTREAM_URL must be scheme, host and optionally a base path: no query, fragment or credentials".into());
    }
    // The keys' encoding (and that none is a small-order point) is checked here; a 32-byte key
    // that is not a curve point fails every WebCrypto verification, so each snapshot, closed.
    let snapshot_keys = SnapshotKeys::parse_encoding(&binding(env, "SNAPSHOT_PUBLIC_KEYS").ok_or("SNAPSHOT_PUBLIC_KEYS is not set")?)?;
    let es256 = match binding(env, "TWENTY_JWT_PUBLIC_KEYS") {
        Some(k) => TokenKeys::parse_es256_keys(&k)?,
        None => Vec::new(),
    };
    let app_secret = binding(env, "TWENTY_APP_SECRET");
    if app_secret.is_none() && es256.is_empty() {
        return Err("neither TWENTY_APP_SECRET nor TWENTY_JWT_PUBLIC_KEYS is set".into());
    }
    // Agents: both or neither (an agent request is forwarded with the gateway's own key, and
    // agents are served for that key's workspace only).
    let agent_secret = binding(env, "AGENT_TOKEN_SECRET");
    let agent_api_key = binding(env, "UPSTREAM_AGENT_API_KEY");
    let agents = match (agent_secret, &agent_api_key) {
        (Some(secret), Some(key)) => Some(AgentKeys::new(secret, key)?),
        (None, None) => None,
        _ => return Err("AGENT_TOKEN_SECRET and UPSTREAM_AGENT_API_KEY go together".into()),
    };
    let max_age_secs = match binding(env, "SNAPSHOT_MAX_AGE_SECONDS") {
        None => 60.0,
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if n >= 1 => n as f64,
            _ => return Err(format!("SNAPSHOT_MAX_AGE_SECONDS \"{v}\" is not a whole number of seconds >= 1")),
        },
    };
    let min_revision = MinRevision::parse(binding(env, "SNAPSHOT_MIN_REVISION"))?;
    env.kv("SNAPSHOTS").map_err(|_| "the KV binding SNAPSHOTS is missing".to_string())?;
    Ok(Settings {
        upstream: upstream.trim_end_matches('/').to_string(),
        snapshot_keys,
        gateway: Gateway::new(Config {
            token_keys: TokenKeys { app_secret, es256, agents },
            max_body_bytes: MAX_BODY_BYTES,
            ..Config::default()
        }),
        agent_api_key,
        max_age_secs,
        min_revision,
        test_panic_path: binding(env, "ROLEGATE_TEST_PANIC_PATH"),
    })
}

/// A verified, compiled snapshot in this isolate.
struct Entry {
    compiled: Rc<Compiled>,
    /// The envelope it came from, as read from KV: the same bytes again need no second look.
    envelope: Vec<u8>,
    /// Usable until then (ms): a failed refresh keeps it for at most one more max age.
    valid_until: f64,
    /// Next KV read (ms).
    next_check: f64,
}

thread_local! {
    // hashbrown with rustc-hash's hasher (rolegate_core::FxHashMap), as the gateway's tables: std's
    // HashMap would bring its own copy of the table code and SipHash onto every first request.
    // The keys are workspace ids of verified tokens.
    static CACHE: RefCell<FxHashMap<String, Entry>> = RefCell::new(FxHashMap::default());
    /// Workspaces without a usable snapshot: why, and when KV may be read again (ms). A missing
    /// or refused snapshot is looked for again after a quarter max age, at most 1 s, not on
    /// every request: a corrupt or forged envelope in KV would otherwise be read, parsed and
    /// verified once per request. Keyed by workspace ids of verified tokens; bounded.
    static MISSES: RefCell<FxHashMap<String, (String, f64)>> = RefCell::new(FxHashMap::default());
    /// The highest revision this isolate has served per workspace, kept when the cached snapshot
    /// expires: once revision N has been served, an older signed envelope put back into KV
    /// (say, the one from before a key was revoked) is refused for as long as the isolate lives,
    /// not only while it still holds N. Keyed by workspace ids of snapshots that verified.
    static HIGHEST: RefCell<FxHashMap<String, u64>> = RefCell::new(FxHashMap::default());
}

/// At most this many workspaces are remembered as missing (the map is cleared when full).
const MAX_MISSES: usize = 1024;

fn now_ms() -> f64 {
    Date::now().as_millis() as f64
}

/// One log line (a JSON object) to the console: `wrangler dev` output and `wrangler tail`.
fn log_line(line: &str) {
    web_sys::console::log_1(&wasm_bindgen::JsValue::from_str(line));
}

/// The log lines are serialised straight from these structs (and the decision record), not
/// built as `serde_json::Value` trees: building and dropping a Value and formatting it was
/// ~2.5 ms of a fresh isolate's first request.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotEvent<'a> {
    event: &'static str,
    workspace_id: &'a str,
    revision: u64,
    previous: Option<u64>,
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotRejected<'a> {
    event: &'static str,
    workspace_id: &'a str,
    reason: &'a str,
    served_revision: Option<u64>,
}

#[inline(never)]
fn log_event<T: serde::Serialize>(event: &T) {
    if let Ok(line) = serde_json::to_string(event) {
        log_line(&line);
    }
}

// The synchronous steps of the slow paths are kept out of line (`#[inline(never)]`): in
// WebAssembly a function is compiled on its first call, and inlined into the request's future
// they would make one giant function that every fresh isolate compiles whole.

thread_local! {
    /// Imported WebCrypto keys by key id and key bytes.
    static CRYPTO_KEYS: RefCell<Vec<(String, [u8; 32], web_sys::CryptoKey)>> = const { RefCell::new(Vec::new()) };
}

fn subtle() -> Result<web_sys::SubtleCrypto> {
    let global: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    Ok(global.crypto().map_err(Error::from)?.subtle())
}

/// Ed25519 verification by the runtime's WebCrypto (native code: a fresh isolate's first
/// request no longer compiles and runs SHA-512 and curve arithmetic in WebAssembly, 24 KB of
/// code). `Ok(false)` is a signature that does not verify; `Err` a key WebCrypto refuses.
async fn webcrypto_verify(opened: &envelope::Opened) -> Result<bool> {
    let cached = CRYPTO_KEYS.with(|c| {
        c.borrow().iter().find(|(id, bytes, _)| id == opened.key_id() && bytes == opened.public_key()).map(|(_, _, k)| k.clone())
    });
    let subtle = subtle()?;
    let key = match cached {
        Some(k) => k,
        None => {
            let usages = js_sys::Array::of1(&"verify".into());
            let raw = js_sys::Uint8Array::from(&opened.public_key()[..]);
            let p = subtle.import_key_with_str("raw", &raw, "Ed25519", false, &usages).map_err(Error::from)?;
            let k: web_sys::CryptoKey = wasm_bindgen_futures::JsFuture::from(p).await.map_err(Error::from)?.unchecked_into();
            CRYPTO_KEYS.with(|c| c.borrow_mut().push((opened.key_id().to_string(), *opened.public_key(), k.clone())));
            k
        }
    };
    let p = subtle
        .verify_with_str_and_u8_array_and_u8_array("Ed25519", &key, &opened.signature()[..], opened.signed_bytes())
        .map_err(Error::from)?;
    Ok(wasm_bindgen_futures::JsFuture::from(p).await.map_err(Error::from)?.as_bool() == Some(true))
}

/// Opens the envelope, has WebCrypto verify its signature, and reads the payload.
async fn verify(bytes: &[u8], keys: &SnapshotKeys, workspace: &str, served: Option<u64>) -> std::result::Result<SignedSnapshot, String> {
    let fail = |e: envelope::EnvelopeError| format!("{}: {e}", e.code());
    let opened = envelope::open(bytes, keys).map_err(fail)?;
    let valid = webcrypto_verify(&opened)
        .await
        .map_err(|e| format!("BAD_SIGNATURE: Ed25519 verification of key id \"{}\" failed: {e}", opened.key_id()))?;
    opened.after_host_verify(valid, Some(workspace), served).map_err(fail)
}

/// Validates (once) and compiles.
#[inline(never)]
fn compile(snap: SignedSnapshot) -> std::result::Result<Rc<Compiled>, String> {
    Ok(Rc::new(Compiled::new(snap.compile().map_err(|e| format!("{}: {e}", e.code()))?)))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The KV namespace binding (`SNAPSHOTS`) as the runtime gives it.
    type KvNamespace;
    #[wasm_bindgen(method, catch, js_name = get)]
    fn get_with_options(
        this: &KvNamespace,
        key: &str,
        options: &js_sys::Object,
    ) -> std::result::Result<js_sys::Promise, wasm_bindgen::JsValue>;
}

/// `SNAPSHOTS.get(key, { type: "arrayBuffer", cacheTtl })`: one runtime call. As bytes (one
/// native copy of an ArrayBuffer): as text, wasm-bindgen would copy the ~35 KB envelope into
/// WebAssembly one character at a time in JavaScript, unoptimised on a fresh isolate; the
/// envelope parser checks the UTF-8. (workers-rs's `KvStore` looks up five methods of the binding
/// and builds the options through serde-wasm-bindgen, code a fresh isolate compiles first.)
async fn kv_bytes(env: &Env, key: &str, cache_ttl: u64) -> std::result::Result<Option<Vec<u8>>, String> {
    let js = |e: wasm_bindgen::JsValue| Error::from(e).to_string();
    let ns = js_sys::Reflect::get(env.as_ref(), &"SNAPSHOTS".into()).map_err(js)?;
    if ns.is_undefined() || ns.is_null() {
        return Err("the KV binding SNAPSHOTS is missing".into());
    }
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &"type".into(), &"arrayBuffer".into()).map_err(js)?;
    js_sys::Reflect::set(&options, &"cacheTtl".into(), &(cache_ttl as f64).into()).map_err(js)?;
    let promise = ns.unchecked_into::<KvNamespace>().get_with_options(key, &options).map_err(js)?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.map_err(js)?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    let buffer = value.dyn_into::<js_sys::ArrayBuffer>().map_err(|v| format!("KV returned {} instead of bytes", Error::from(v)))?;
    Ok(Some(js_sys::Uint8Array::new(&buffer).to_vec()))
}

/// The compiled snapshot of `workspace`, from the isolate cache or KV. `Err` = fail closed.
/// `from_token`: the workspace id comes from a verified token, and a miss is remembered (see
/// `MISSES`); the unauthenticated health endpoint asks with `false`, so ids it is sent never
/// fill (and so clear) that map.
async fn snapshot(env: &Env, s: &Settings, workspace: &str, from_token: bool) -> std::result::Result<Rc<Compiled>, String> {
    let now = now_ms();
    let cached = CACHE.with(|c| c.borrow().get(workspace).map(|e| (e.compiled.clone(), e.valid_until, e.next_check)));
    if let Some((compiled, _, next_check)) = &cached {
        if now < *next_check {
            return Ok(compiled.clone());
        }
    } else if let Some(why) = MISSES.with(|m| m.borrow().get(workspace).filter(|(_, retry)| now < *retry).map(|(why, _)| why.clone())) {
        return Err(why);
    }
    let max_age_ms = s.max_age_secs * 1000.0;
    let served = cached.as_ref().map(|(c, _, _)| c.revision());
    // what an envelope must not be older than: the served revision, or the highest one served,
    // and never older than the configured minimum (which holds in fresh isolates too)
    let floor = served.or_else(|| HIGHEST.with(|h| h.borrow().get(workspace).copied())).max(s.min_revision.of(workspace));
    let ttl = (s.max_age_secs as u64).max(30);
    let read = kv_bytes(env, &format!("workspace:{workspace}"), ttl).await;
    let outcome: std::result::Result<(Rc<Compiled>, Vec<u8>), String> = match read {
        Err(e) => Err(format!("KV read failed: {e}")),
        Ok(None) => Err(format!("no snapshot in KV for workspace {workspace}")),
        Ok(Some(bytes)) => {
            // The envelope served, byte for byte: verified and compiled already.
            let unchanged = CACHE.with(|c| c.borrow().get(workspace).filter(|e| e.envelope == bytes).map(|e| e.compiled.clone()));
            match unchanged {
                Some(c) => Ok((c, bytes)),
                // Anything else is verified and compiled (which validates), the revision served
                // included: a different envelope for it replaces it if valid, so every isolate
                // ends up serving what KV holds, and is refused (logged) if not. A compile
                // error is a refusal like any other: the verified snapshot stays in use.
                None => match verify(&bytes, &s.snapshot_keys, workspace, floor).await {
                    Ok(snap) => compile(snap).map(|c| (c, bytes)),
                    Err(e) => Err(e),
                },
            }
        }
    };
    // What is served now: other requests may have loaded a snapshot while this one awaited
    // KV and the signature check. What this one found replaces it only if it is not older
    // (else two refreshes that overlap could put an older revision back).
    let current = CACHE.with(|c| c.borrow().get(workspace).map(|e| (e.compiled.clone(), e.valid_until, e.next_check)));
    let served = current.as_ref().map(|(c, _, _)| c.revision());
    let outcome = outcome.and_then(|(compiled, envelope)| {
        let newest = served.max(HIGHEST.with(|h| h.borrow().get(workspace).copied()));
        match newest {
            Some(n) if compiled.revision() < n => {
                Err(format!("STALE_REVISION: revision {} is older than revision {n}, served already", compiled.revision()))
            }
            _ => Ok((compiled, envelope)),
        }
    });
    match outcome {
        Ok((compiled, envelope)) => {
            let changed = !current.as_ref().is_some_and(|(c, _, _)| Rc::ptr_eq(c, &compiled));
            if changed {
                log_event(&SnapshotEvent { event: "snapshot", workspace_id: workspace, revision: compiled.revision(), previous: served });
            }
            CACHE.with(|c| {
                c.borrow_mut().insert(
                    workspace.to_string(),
                    Entry { compiled: compiled.clone(), envelope, valid_until: now + 2.0 * max_age_ms, next_check: now + max_age_ms },
                )
            });
            if current.is_none() {
                MISSES.with(|m| m.borrow_mut().remove(workspace));
            }
            if changed {
                HIGHEST.with(|h| {
                    let mut h = h.borrow_mut();
                    let highest = h.entry(workspace.to_string()).or_insert(0);
                    *highest = (*highest).max(compiled.revision());
                });
            }
            Ok(compiled)
        }
        Err(why) => refused(workspace, why, current, now, max_age_ms, from_token),
    }
}

/// A snapshot that could not be loaded (logged): the cached one is served for at most its
/// remaining validity, and looked for again soon; without one the request fails closed. Out
/// of line: a fresh isolate whose first load succeeds never compiles it.
#[inline(never)]
fn refused(
    workspace: &str,
    why: String,
    cached: Option<(Rc<Compiled>, f64, f64)>,
    now: f64,
    max_age_ms: f64,
    remember_miss: bool,
) -> std::result::Result<Rc<Compiled>, String> {
    let served = cached.as_ref().map(|(c, _, _)| c.revision());
    log_event(&SnapshotRejected { event: "snapshotRejected", workspace_id: workspace, reason: &why, served_revision: served });
    match cached {
        Some((compiled, valid_until, _)) if now < valid_until => {
            // Keep serving the verified snapshot for now; look again soon.
            let retry = now + (max_age_ms / 4.0).max(1000.0);
            CACHE.with(|c| {
                if let Some(e) = c.borrow_mut().get_mut(workspace) {
                    e.next_check = retry.min(valid_until);
                }
            });
            Ok(compiled)
        }
        _ => {
            CACHE.with(|c| c.borrow_mut().remove(workspace));
            if !remember_miss {
                return Err(why);
            }
            MISSES.with(|m| {
                let mut m = m.borrow_mut();
                if m.len() >= MAX_MISSES {
                    m.clear();
                }
                m.insert(workspace.to_string(), (why.clone(), now + (max_age_ms / 4.0).min(1000.0)));
            });
            Err(why)
        }
    }
}

/// Out of line: only agent requests need it, and inlined it would be compiled with the
/// request's future on every fresh isolate's first request.
#[inline(never)]
fn drop_authorization(req: &mut GwRequest) {
    req.headers.retain(|(h, _)| h != "authorization");
}

/// A native copy of the caller's headers, minus what must not go upstream (`HopByHop`; the
/// names are known from the gateway's copy), with the gateway's own key for agents: one runtime
/// call and a few deletes instead of one append per header through the JS boundary.
fn upstream_headers(original: &Headers, req: &GwRequest, auth: Option<&str>) -> Result<Headers> {
    let headers = Headers(web_sys::Headers::new_with_headers(&original.0).map_err(Error::from)?);
    let hop = HopByHop::from_connection(req.header_all("connection"));
    for (k, _) in &req.headers {
        if hop.drops_from_request(k) {
            headers.delete(k)?;
        }
    }
    if let Some(auth) = auth {
        headers.set("authorization", auth)?;
    }
    // the caller's address as the edge saw it (the caller's own x-forwarded-for stayed behind)
    if let Some(ip) = req.first_header("cf-connecting-ip") {
        headers.set("x-forwarded-for", ip)?;
    }
    Ok(headers)
}

/// A response the gateway made, built by the runtime in one call (`respond`).
fn to_worker(r: GwResponse) -> Result<web_sys::Response> {
    let headers = serde_json::to_string(&r.headers).map_err(|e| Error::RustError(format!("response headers: {e}")))?;
    respond(r.status, &headers, &r.body).map_err(Error::from)
}

/// What the gateway reads of a request, in one runtime call (`request_head`): the method, the
/// URL as parsed by the runtime's own (WHATWG) URL parser, the one that built `request.url`
/// (the percent-encoded path, and the query without its `?`), and every header.
struct Target {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Target {
    fn read(req: &web_sys::Request) -> Result<Target> {
        let text = request_head(req).map_err(|e| Error::RustError(format!("request URL: {}", Error::from(e))))?;
        let (method, path, search, headers): (String, String, String, Vec<(String, String)>) =
            serde_json::from_str(&text).map_err(|e| Error::RustError(format!("reading the request: {e}")))?;
        let headers = lowercased(headers);
        let query = match search.strip_prefix('?') {
            Some(q) => q.to_string(),
            None => search,
        };
        Ok(Target { method, path, query, headers })
    }

    fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
}

// The runtime calls of a request, each one crossing into JavaScript: through workers-rs and
// web-sys, building a response took eight calls plus one per header, and a fetch seven, each a
// JS function and wrapper a fresh isolate compiles on its first request; reading a request
// took five (method, url, URL, pathname, search) plus the headers.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function header_entries_json(h) { return JSON.stringify(Array.from(h)); }
export function request_head(req) {
  const url = new URL(req.url);
  return JSON.stringify([req.method, url.pathname, url.search, Array.from(req.headers)]);
}
export function respond(status, headers, body) {
  return new Response(body.length ? body.slice() : null, { status, headers: JSON.parse(headers) });
}
export function respond_forwarded(status, headers, decision, revision, kind, bytes, stream) {
  headers.set("x-rolegate-decision", decision);
  headers.set("x-rolegate-revision", revision);
  return new Response(kind === 0 && bytes.length ? bytes.slice() : kind === 1 ? stream : null, { status, headers });
}
export async function read_body(req, limit) {
  const reader = req.body.getReader();
  const chunks = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > limit) {
      reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
export function fetch_upstream(url, method, headers, body) {
  return fetch(url, { method, headers, redirect: "manual", body: body.length ? body.slice() : undefined });
}
"#)]
extern "C" {
    /// A `Headers`' entries as JSON text, `[["name","value"],...]`, in one call: iterating them
    /// from Rust (workers-rs's `entries()`/`keys()`) crosses into JavaScript three or four times
    /// per header, which was a visible share of a request's CPU (bench/worker/profile.mjs).
    /// JSON escapes whatever a value holds.
    fn header_entries_json(h: &web_sys::Headers) -> String;
    /// The request body as one `Uint8Array`, read chunk by chunk and given up (`null`) as soon
    /// as it is longer than `limit` bytes, whatever its `Content-Length` says or whether it has
    /// one (a chunked body's size is known only once it has been read).
    #[wasm_bindgen(catch)]
    fn read_body(req: &web_sys::Request, limit: f64) -> std::result::Result<js_sys::Promise, wasm_bindgen::JsValue>;
    /// `[method, pathname, search, headers]` of a request as JSON text (throws when its URL
    /// does not parse).
    #[wasm_bindgen(catch)]
    fn request_head(req: &web_sys::Request) -> std::result::Result<String, wasm_bindgen::JsValue>;
    /// `new Response(body, {status, headers})`, `headers` as JSON `[["name","value"],...]`
    /// (repeated names kept), the body copied out of WebAssembly memory (none when empty).
    #[wasm_bindgen(catch)]
    fn respond(status: u16, headers: &str, body: &[u8]) -> std::result::Result<web_sys::Response, wasm_bindgen::JsValue>;
    /// An upstream response passed on: the decision headers set on `headers`, then a response
    /// with the redacted bytes (`kind` 0, copied; none when empty, as a 204 must have), the
    /// upstream's own stream (1) or no body (2).
    #[wasm_bindgen(catch)]
    fn respond_forwarded(
        status: u16,
        headers: &web_sys::Headers,
        decision: &str,
        revision: &str,
        kind: u8,
        bytes: &[u8],
        stream: Option<web_sys::ReadableStream>,
    ) -> std::result::Result<web_sys::Response, wasm_bindgen::JsValue>;
    /// The runtime's `fetch`, redirects not followed (passed to the client), the body copied
    /// (none when empty).
    #[wasm_bindgen(catch)]
    fn fetch_upstream(
        url: &str,
        method: &str,
        headers: &web_sys::Headers,
        body: &[u8],
    ) -> std::result::Result<js_sys::Promise, wasm_bindgen::JsValue>;
}

/// Every entry of `h` (names lowercased, as the runtime already gives them), or an error.
fn header_entries(h: &web_sys::Headers) -> Result<Vec<(String, String)>> {
    let entries = serde_json::from_str(&header_entries_json(h)).map_err(|e| Error::RustError(format!("reading headers: {e}")))?;
    Ok(lowercased(entries))
}

fn lowercased(mut entries: Vec<(String, String)>) -> Vec<(String, String)> {
    for (k, _) in &mut entries {
        k.make_ascii_lowercase();
    }
    entries
}

/// The value of header `name` (lowercase) among `entries`; the runtime gives a repeated name
/// once, its values joined, as `Headers.get` does.
fn header_value<'a>(entries: &'a [(String, String)], name: &str) -> Option<&'a str> {
    entries.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn gateway_request(target: Target, body: Vec<u8>) -> GwRequest {
    GwRequest { method: target.method, path: target.path, query: target.query, headers: target.headers, body }
}

/// The request body, or `None` once it is longer than `limit` (see `read_body`).
async fn body_within(req: &web_sys::Request, limit: usize) -> Result<Option<Vec<u8>>> {
    let v = wasm_bindgen_futures::JsFuture::from(read_body(req, limit as f64).map_err(Error::from)?).await.map_err(Error::from)?;
    Ok(if v.is_null() { None } else { Some(js_sys::Uint8Array::new(&v).to_vec()) })
}

/// Reads a JS body promise (`arrayBuffer()`) into bytes in one copy. (workers-rs's `bytes()`
/// reads the stream chunk by chunk through Rust futures, which cost more than the rest of the
/// request.)
async fn body_bytes(p: std::result::Result<js_sys::Promise, wasm_bindgen::JsValue>) -> Result<Vec<u8>> {
    let ab = wasm_bindgen_futures::JsFuture::from(p.map_err(Error::from)?).await.map_err(Error::from)?;
    Ok(js_sys::Uint8Array::new(&ab).to_vec())
}

// The raw `web_sys::Request`: converting it into `worker::Request` reads `request.cf` on every
// request, which nothing here needs.
#[event(fetch)]
async fn fetch(req: web_sys::Request, env: Env, _ctx: Context) -> Result<web_sys::Response> {
    let started = now_ms();
    let target = Target::read(&req);
    let method = match &target {
        Ok(t) => t.method.clone(),
        Err(_) => req.method(),
    };
    let mut record = DecisionRecord { method, route: "(unrecognised)".into(), decision: "deny", ..Default::default() };
    let handled = match target {
        Ok(target) => handle(&req, &env, target, &mut record).await,
        Err(e) => Err(e),
    };
    let (response, status) = match handled {
        Ok(r) => {
            let s = r.status();
            (r, s)
        }
        Err(e) => {
            record.decision = "deny";
            record.reason = Some(format!("gateway error: {e}"));
            (to_worker(respond::unavailable("The gateway could not decide").with_decision("deny", record.revision))?, 503)
        }
    };
    log_request(&record, status, now_ms() - started);
    Ok(response)
}

/// The decision record as a JSON object, with `status`, `durationMs` and `event` appended.
#[inline(never)]
fn log_request(record: &DecisionRecord, status: u16, duration_ms: f64) {
    let Ok(mut line) = serde_json::to_string(record) else { return };
    if !line.ends_with('}') {
        return;
    }
    line.pop();
    if line.len() > 1 {
        line.push(',');
    }
    // Whole milliseconds: the runtime's clock only moves between I/O, in milliseconds (and
    // formatting an integer keeps float formatting off the first request: 2 KB of code).
    let duration = (duration_ms.max(0.0).round() as u64).to_string();
    line.push_str("\"status\":");
    line.push_str(&status.to_string());
    line.push_str(",\"durationMs\":");
    line.push_str(&duration);
    line.push_str(",\"event\":\"request\"}");
    log_line(&line);
}

async fn handle(req: &web_sys::Request, env: &Env, url: Target, record: &mut DecisionRecord) -> Result<web_sys::Response> {
    let settings = match settings(env) {
        Ok(s) => s,
        Err(why) => {
            record.reason = Some(format!("configuration: {why}"));
            return to_worker(respond::unavailable(&format!("Gateway misconfigured: {why}")).with_decision("deny", None));
        }
    };
    if settings.test_panic_path.as_deref() == Some(url.path.as_str()) {
        panic!("test panic requested by ROLEGATE_TEST_PANIC_PATH");
    }
    if url.path == "/rolegate/v1/health" {
        // Boxed: polled through a pointer, its code stays out of the request's future (which a
        // fresh isolate compiles whole on its first request, whatever the route).
        let boxed: std::pin::Pin<Box<dyn std::future::Future<Output = Result<web_sys::Response>> + '_>> =
            Box::pin(health(env, &settings, &url, record));
        return boxed.await;
    }
    // The credential is checked (signature, type, lifetime, workspace claim) before the body is
    // read and before its workspace's snapshot is looked up: a caller without a valid token
    // costs no body read and no KV read.
    let has_body = !matches!(url.method.as_str(), "GET" | "HEAD") && req.body().is_some();
    let declared = url.header("content-length").and_then(|v| v.trim().parse::<usize>().ok());
    let mut gw_req = gateway_request(url, Vec::new());
    let gateway = &settings.gateway;
    let now = (now_ms() / 1000.0) as i64;
    let credential = match gateway.authenticate_credential(&gw_req, now) {
        Ok(c) => c,
        Err(e) => {
            let (response, r) = gateway.refuse(None, &gw_req, e);
            *record = r;
            return to_worker(response);
        }
    };
    // Bodies are bounded while they are read: a declared length over the limit is refused at
    // once, and reading stops as soon as the bytes pass the limit.
    if has_body {
        let body = match declared {
            Some(n) if n > MAX_BODY_BYTES => None,
            _ => body_within(req, MAX_BODY_BYTES).await?,
        };
        match body {
            Some(b) => gw_req.body = b,
            None => {
                record.reason = Some("request body too large".into());
                return to_worker(respond::too_large(MAX_BODY_BYTES).with_decision("deny", None));
            }
        }
    }
    let compiled = match snapshot(env, &settings, credential.workspace_id(), true).await {
        Ok(c) => c,
        Err(why) => {
            record.reason = Some(format!("permissions unavailable: {why}"));
            return to_worker(respond::unavailable("Permissions are unavailable for this workspace").with_decision("deny", None));
        }
    };
    match gateway.handle_authenticated(&compiled, &credential, &gw_req, now) {
        Outcome::Respond { response, record: r } => {
            *record = r;
            to_worker(response)
        }
        Outcome::Forward { plan, subject, record: r, principal } => {
            *record = r;
            let mut upstream_auth = None;
            if matches!(
                principal,
                rolegate_core::Principal::Agent(_)
                    | rolegate_core::Principal::AgentInWorkflow { .. }
                    | rolegate_core::Principal::AgentOnBehalfOf { .. }
            ) {
                // The agent token stays here; upstream sees the gateway's own key, after enforcement.
                let Some(k) = &settings.agent_api_key else {
                    return to_worker(
                        respond::unavailable("Agent requests are not configured").with_decision("deny", Some(compiled.revision())),
                    );
                };
                upstream_auth = Some(format!("Bearer {k}"));
            }
            let headers = upstream_headers(&Headers(req.headers()), &gw_req, upstream_auth.as_deref())?;
            let mut gw_req = gw_req;
            if upstream_auth.is_some() {
                // nothing past this point may see the agent's own token
                drop_authorization(&mut gw_req);
            }
            // Boxed, like health: the upstream call and the redaction stay out of the request's
            // future, so a fresh isolate's first decision does not compile them first.
            let boxed: std::pin::Pin<Box<dyn std::future::Future<Output = Result<web_sys::Response>> + '_>> =
                Box::pin(forward(&settings, &compiled, &subject, &plan, gw_req, headers, record));
            boxed.await
        }
    }
}

async fn forward(
    s: &Settings,
    compiled: &Compiled,
    subject: &rolegate_core::Subject,
    plan: &rolegate_gateway::Plan,
    req: GwRequest,
    headers: Headers,
    record: &mut DecisionRecord,
) -> Result<web_sys::Response> {
    let gateway = &s.gateway;
    let rev = Some(compiled.revision());
    let target =
        if req.query.is_empty() { format!("{}{}", s.upstream, req.path) } else { format!("{}{}?{}", s.upstream, req.path, req.query) };
    // Straight to the runtime's fetch: workers-rs's Request/Fetch wrappers would read `cf` and
    // rebuild the response object on the way back.
    let sent = async {
        let r = wasm_bindgen_futures::JsFuture::from(fetch_upstream(&target, &req.method, &headers.0, &req.body)?).await?;
        r.dyn_into::<web_sys::Response>()
    };
    let resp = match sent.await {
        Ok(r) => r,
        Err(e) => {
            let e = Error::from(e);
            record.reason = Some(format!("upstream unreachable: {e}"));
            let r = GwResponse {
                status: 502,
                headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
                body: serde_json::to_vec(&json!({"statusCode": 502, "error": "BadGatewayException", "messages": ["The upstream Twenty server could not be reached"], "code": "UPSTREAM_UNREACHABLE"})).unwrap_or_default(),
            };
            return to_worker(r.with_decision("allow", rev));
        }
    };
    let status = resp.status();
    let resp_headers = resp.headers();
    let entries = header_entries(&resp_headers)?;
    let content_type = header_value(&entries, "content-type");
    // The same for the way back: a native copy (the fetched response's headers are immutable),
    // then the names that must not reach the caller are deleted.
    let out_headers = Headers(web_sys::Headers::new_with_headers(&resp_headers).map_err(Error::from)?);
    let hop = HopByHop::from_connection(header_value(&entries, "connection"));
    for (k, _) in &entries {
        if hop.drops_from_response(k) {
            out_headers.delete(k)?;
        }
    }
    let body = if gateway.inspects_response(plan, status, content_type) {
        let bytes = body_bytes(resp.array_buffer()).await?;
        let (body, decision) = match gateway.redact_response(compiled, subject, plan, status, content_type, &bytes) {
            Ok(r) if r.changed => (r.body.unwrap_or(bytes), "redacted"),
            Ok(r) => (r.body.unwrap_or(bytes), "allow"),
            Err(why) => {
                // Never pass on what could not be redacted.
                record.reason = Some(format!("upstream response could not be redacted: {why}"));
                record.decision = "deny";
                let r = GwResponse {
                    status: 502,
                    headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
                    body: serde_json::to_vec(&json!({"statusCode": 502, "error": "BadGatewayException", "messages": ["The upstream response could not be checked"], "code": "UPSTREAM_INVALID"})).unwrap_or_default(),
                };
                return to_worker(r.with_decision("deny", rev));
            }
        };
        record.decision = decision;
        (0, body, None)
    } else {
        // Nothing in it to check (an error status, a route the gateway passes through, not
        // JSON): streamed through without entering WebAssembly.
        record.decision = "allow";
        match resp.body() {
            Some(stream) => (1, Vec::new(), Some(stream)),
            None => (2, Vec::new(), None),
        }
    };
    let (kind, bytes, stream) = body;
    respond_forwarded(status, &out_headers.0, record.decision, &compiled.revision().to_string(), kind, &bytes, stream).map_err(Error::from)
}

async fn health(env: &Env, s: &Settings, url: &Target, record: &mut DecisionRecord) -> Result<web_sys::Response> {
    record.api = "rolegate";
    record.route = "/rolegate/v1/health".into();
    let ws = web_sys::UrlSearchParams::new_with_str(&url.query).map_err(Error::from)?.get("workspace");
    let Some(ws) = ws.filter(|w| rolegate_gateway::auth::is_workspace_id(w)) else {
        let r = GwResponse {
            status: 400,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"status":"error","message":"add ?workspace=<workspaceId> (letters, digits, - and _, at most 100)"}"#.to_vec(),
        };
        return to_worker(r.with_decision("deny", None));
    };
    match snapshot(env, s, &ws, false).await {
        Ok(c) => {
            record.decision = "allow";
            let body = json!({"status": "ok", "workspaceId": ws, "revision": c.revision(), "maxAgeSeconds": s.max_age_secs});
            let r = GwResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: body.to_string().into_bytes(),
            };
            to_worker(r.with_decision("allow", Some(c.revision())))
        }
        Err(why) => {
            record.reason = Some(why);
            to_worker(respond::unavailable("Permissions are unavailable for this workspace").with_decision("deny", None))
        }
    }
}
