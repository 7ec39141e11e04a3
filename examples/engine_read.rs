//! Measures the local engine's reading speed: streams an event file and extracts fields,
//! printing events/s and MB/s (of the uncompressed input).
//!
//! ```text
//! cargo run --release --example gen_events -- --events 200000 --out /tmp/events.ndjson
//! cargo run --release --example engine_read -- /tmp/events.ndjson project level transaction.duration
//! ```
#![allow(clippy::print_stdout, reason = "an example that reports measurements")]

use dql::engine::{EngineError, EventFiles, Projection, ReadOptions};
use std::time::Instant;

fn main() -> Result<(), EngineError> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "examples/events.ndjson.gz".to_owned());
    let mut names: Vec<String> = args.collect();
    if names.is_empty() {
        names = vec![
            "project".into(),
            "level".into(),
            "transaction.duration".into(),
        ];
    }
    let files = EventFiles::open(&path)?;
    let projection = Projection::new(&names);
    let started = Instant::now();
    let mut non_null = vec![0u64; names.len()];
    let mut seen = 0u64;
    let stats = files.scan(&projection, &ReadOptions::default(), |event| {
        for (count, value) in non_null.iter_mut().zip(&event.values) {
            *count += u64::from(!value.is_null());
        }
        seen += 1;
        Ok::<(), EngineError>(())
    })?;
    let seconds = started.elapsed().as_secs_f64();
    let size: u64 = files
        .files()
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{} events in {seconds:.3} s: {:.0} events/s, {:.1} MB/s of file",
        stats.events,
        stats.events as f64 / seconds,
        size as f64 / 1e6 / seconds
    );
    for (name, count) in names.iter().zip(non_null) {
        println!("  {name}: {count} non-null");
    }
    assert_eq!(seen, stats.events);
    Ok(())
}
