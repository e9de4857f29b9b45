//! Same seed, same backend, same numbers. This file holds a single test on purpose: Burn's CPU
//! backends share one random generator per process, and tests running beside it in parallel
//! would draw from it.
// Native only: `wasm-pack test` builds every test target for the browser too, where
// tests/web.rs is the share that runs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use burn::prelude::*;
use common::synthetic_split;
use webgan::config::TrainConfig;
use webgan::train::{GanTrainer, TrainEvent};

fn losses(seed: u64, chunk: usize, draw_in_between: bool) -> Vec<(f32, f32, f32, f32)> {
    let data = synthetic_split(96, 5);
    let config = TrainConfig {
        epochs: 2,
        batch_size: 32,
        noise_dim: 16,
        save_interval: 1,
        seed,
        ..TrainConfig::default()
    };
    let device = Device::flex();
    let mut trainer = GanTrainer::new(config, &data, &device).unwrap();
    let mut figures = Vec::new();
    let mut sink = |event: TrainEvent| {
        if let TrainEvent::Step(s) = event {
            figures.push((s.d_loss, s.g_loss, s.d_real, s.d_fake));
        }
    };
    loop {
        if draw_in_between {
            // Something else using Burn's generator between chunks, as the classifier's
            // training does between creating the GAN and training it.
            let _ = Tensor::<1>::random([7], burn::tensor::Distribution::Default, &device);
        }
        if pollster::block_on(trainer.advance(chunk, &mut sink)).unwrap() {
            break;
        }
    }
    figures
}

#[test]
fn the_same_seed_gives_the_same_numbers_and_another_seed_does_not() {
    let first = losses(11, 2, false);
    assert_eq!(first.len(), 6);
    assert_eq!(
        first,
        losses(11, 5, false),
        "chunking must not change the numbers"
    );
    assert_eq!(
        first,
        losses(11, 2, true),
        "other random draws must not change them"
    );
    assert_ne!(first, losses(12, 2, false));
}
