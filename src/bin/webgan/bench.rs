//! `webgan bench`: ms per GAN training step on each native backend, and the GFLOP/s that
//! makes, as a table and as JSON for `./build.sh bench` to merge with the browser's figures.

use crate::cli::{CliResult, open_device};
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;
use webgan::backend::Backend;
use webgan::bench::{StepCost, median, time_gan_steps};
use webgan::config::TrainConfig;

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Backends to time, comma-separated: flex, ndarray, wgpu.
    #[arg(long, value_delimiter = ',', default_values_t = [Backend::Flex, Backend::Ndarray, Backend::Wgpu])]
    backends: Vec<Backend>,
    /// Images per batch.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Untimed steps first.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Timed steps (the median is reported).
    #[arg(long, default_value_t = 20)]
    steps: usize,
    /// Also write the results here as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// One backend's figures.
#[derive(Serialize)]
struct Row {
    backend: String,
    /// The adapter, for wgpu.
    device: Option<String>,
    median_ms: Option<f64>,
    gflops: Option<f64>,
    times_ms: Vec<f64>,
    /// Why there is no figure (no GPU, say).
    skipped: Option<String>,
}

#[derive(Serialize)]
struct Report {
    batch_size: usize,
    cost: StepCost,
    flops_per_step: u64,
    rows: Vec<Row>,
}

pub fn run(args: BenchArgs) -> CliResult<()> {
    if args.steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    let config = TrainConfig {
        batch_size: args.batch_size,
        ..TrainConfig::default()
    };
    config.validate().map_err(|error| error.to_string())?;
    let cost = StepCost::of(&config);
    say!(
        "one step at batch {}: {:.3} GFLOP ({} multiply-adds: D update {}, G update {})",
        args.batch_size,
        cost.flops() as f64 / 1e9,
        cost.macs(),
        cost.discriminator_update,
        cost.generator_update
    );
    let started = Instant::now();
    let clock = move || started.elapsed().as_secs_f64() * 1e3;
    let mut rows = Vec::new();
    for backend in &args.backends {
        let device = match open_device(*backend) {
            Ok(device) => device,
            Err(why) => {
                say!("{backend:<8} skipped: {why}");
                rows.push(Row {
                    backend: backend.to_string(),
                    device: None,
                    median_ms: None,
                    gflops: None,
                    times_ms: Vec::new(),
                    skipped: Some(why),
                });
                continue;
            }
        };
        let name = device.identity().map(|identity| identity.name);
        let times = pollster::block_on(time_gan_steps(
            &config,
            &device,
            args.warmup,
            args.steps,
            clock,
        ))
        .map_err(|error| format!("{backend}: {error}"))?;
        let ms = median(&times);
        say!(
            "{backend:<8} {ms:>9.1} ms/step  {:>6.1} GFLOP/s  (median of {} steps{})",
            cost.gflops_at(ms),
            times.len(),
            name.as_ref()
                .map(|name| format!(", {name}"))
                .unwrap_or_default()
        );
        rows.push(Row {
            backend: backend.to_string(),
            device: name,
            median_ms: Some(ms),
            gflops: Some(cost.gflops_at(ms)),
            times_ms: times,
            skipped: None,
        });
    }
    if let Some(path) = &args.json {
        let report = Report {
            batch_size: args.batch_size,
            cost,
            flops_per_step: cost.flops(),
            rows,
        };
        let json = serde_json::to_string_pretty(&report).map_err(|error| error.to_string())?;
        std::fs::write(path, json)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(())
}
