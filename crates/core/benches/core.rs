//! `cargo bench -p rolegate-core`: field checks, compiling a large workspace, the effective
//! view, and redaction throughput against a parse+serialize baseline.

mod gen;

use criterion::{black_box, BenchmarkId, Criterion, Throughput};
use rolegate_core::redact::{redact_json, redact_value};
use rolegate_core::view::effective_view;
use rolegate_core::{Op, Policy, Principal};
use std::time::Instant;

fn fixture() -> Policy {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/workspace.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Policy::from_json(&text).expect("fixture")
}

fn field_checks(c: &mut Criterion) {
    let p = fixture();
    let intern = p.resolve(&Principal::Role("intern".into()), 0).unwrap();
    let both = p.resolve(&Principal::AgentInWorkflow { agent: "agent-sales".into(), workflow: "wf-enrich".into() }, 0).unwrap();
    let person = p.object_id("person").unwrap();
    let emails = p.field_id(person, "emails").unwrap();
    let mut g = c.benchmark_group("field_check");
    g.bench_function("by_id/one_role", |b| {
        b.iter(|| p.can_field(black_box(&intern), black_box(person), black_box(emails), black_box(Op::Update)))
    });
    g.bench_function("by_id/intersection", |b| {
        b.iter(|| p.can_field(black_box(&both), black_box(person), black_box(emails), black_box(Op::Update)))
    });
    g.bench_function("by_name/one_role", |b| {
        b.iter(|| p.check(black_box(&intern), black_box("person"), black_box(Some("emails")), black_box(Op::Update)).unwrap())
    });
    g.finish();
}

fn large(c: &mut Criterion) {
    let snap = gen::large_snapshot(200, 100, 50, 10_000);
    let mut g = c.benchmark_group("large_workspace");
    g.sample_size(20);
    g.bench_function("compile/200x100x50+10k_keys", |b| {
        b.iter_batched(|| snap.clone(), |s| Policy::compile(s).unwrap(), criterion::BatchSize::LargeInput)
    });
    let p = Policy::compile(snap).unwrap();
    let principal = Principal::Role("role7".into());
    let s = p.resolve(&principal, 0).unwrap();
    g.bench_function("effective_view/one_role", |b| b.iter(|| effective_view(&p, black_box(&principal), black_box(&s))));
    g.finish();
}

fn redaction(c: &mut Criterion) {
    let p = fixture();
    let intern = p.resolve(&Principal::Role("intern".into()), 0).unwrap();
    let person = p.object_id("person").unwrap();
    let input = gen::people_json(1 << 20);
    let mut g = c.benchmark_group("redact_1MB_people");
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.sample_size(30);
    g.bench_with_input(BenchmarkId::new("baseline", "parse_to_value+serialize"), &input, |b, input| {
        b.iter(|| {
            let v: serde_json::Value = serde_json::from_slice(input).unwrap();
            serde_json::to_vec(&v).unwrap()
        })
    });
    g.bench_with_input(BenchmarkId::new("rolegate", "streaming_bytes_to_bytes"), &input, |b, input| {
        let mut out = Vec::with_capacity(input.len());
        b.iter(|| {
            out.clear();
            redact_json(&p, &intern, person, input, &mut out).unwrap();
        })
    });
    g.bench_with_input(BenchmarkId::new("rolegate", "parse+redact_value+serialize"), &input, |b, input| {
        b.iter(|| {
            let mut v: serde_json::Value = serde_json::from_slice(input).unwrap();
            redact_value(&p, &intern, person, &mut v);
            serde_json::to_vec(&v).unwrap()
        })
    });
    g.finish();
}

fn median_micros(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    times[times.len() / 2]
}

/// A summary with the numbers the issue asks for, in one place.
fn summary(full: bool) {
    let runs = if full { 41 } else { 1 };
    let snap = gen::large_snapshot(200, 100, 50, 10_000);
    let p = Policy::compile(snap.clone()).unwrap();
    let compile = median_micros(if full { 11 } else { 1 }, || {
        black_box(Policy::compile(snap.clone()).unwrap());
    });
    let clone_only = median_micros(if full { 11 } else { 1 }, || {
        black_box(snap.clone());
    });
    let fx = fixture();
    let intern = fx.resolve(&Principal::Role("intern".into()), 0).unwrap();
    let person = fx.object_id("person").unwrap();
    let input = gen::people_json(1 << 20);
    let mb = input.len() as f64 / (1024.0 * 1024.0);
    let base = median_micros(runs, || {
        let v: serde_json::Value = serde_json::from_slice(&input).unwrap();
        black_box(serde_json::to_vec(&v).unwrap());
    });
    let mut out = Vec::with_capacity(input.len());
    let red = median_micros(runs, || {
        out.clear();
        redact_json(&fx, &intern, person, &input, &mut out).unwrap();
    });
    println!();
    println!("== rolegate-core summary{} ==", if full { "" } else { " (test mode: one unoptimised run, not a measurement)" });
    println!(
        "compiled policy (200 roles x 100 objects x 50 fields, 10k keys): ~{:.2} MiB of tables",
        p.memory_bytes() as f64 / (1024.0 * 1024.0)
    );
    println!("compile median: {:.1} ms (of which cloning the input snapshot: {:.1} ms)", compile / 1000.0, clone_only / 1000.0);
    println!(
        "redaction of {:.2} MB people: {:.0} MB/s; baseline parse+serialize: {:.0} MB/s; cost ratio redaction/baseline = {:.2} (target < 1.0); output {} bytes",
        mb,
        mb / (red / 1e6),
        mb / (base / 1e6),
        red / base,
        out.len()
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let mut c = Criterion::default().configure_from_args();
    field_checks(&mut c);
    large(&mut c);
    redaction(&mut c);
    c.final_summary();
    summary(full);
}
