//! The library in a real browser (headless Chromium through `wasm-pack test`): the IDX reader,
//! the settings' checks, and a few training steps on the wasm CPU backends and on WebGPU.
//!
//! The WebGPU test needs an adapter. Where the machine is meant to have one (CI installs
//! Mesa's lavapipe and starts Chromium with WebGPU switched on), `WEBGAN_REQUIRE_WEBGPU=1` at
//! build time makes a missing adapter a failure instead of a skip.
#![cfg(target_arch = "wasm32")]

mod common;

use burn::prelude::*;
use common::{as_files, gzip, idx_files, synthetic_dataset, synthetic_split};
use wasm_bindgen_test::*;
use webgan::config::{ConfigError, TrainConfig};
use webgan::data::idx::read_images;
use webgan::data::{DataError, Dataset};
use webgan::train::{GanTrainer, TrainEvent};

// In a dedicated worker, as the page trains: the test page's main thread stays free to answer
// the WebDriver that polls it, however long a training step holds the thread it runs on.
wasm_bindgen_test_configure!(run_in_dedicated_worker);

#[wasm_bindgen_test]
fn the_idx_reader_takes_raw_and_gzipped_files() {
    let dataset = synthetic_dataset(30, 10);
    let files = idx_files(&dataset);
    let read = Dataset::from_files(dataset.name, &as_files(&files)).unwrap();
    assert_eq!(read, dataset);

    let gzipped = files.clone().map(|file| gzip(&file));
    let read = Dataset::from_files(dataset.name, &as_files(&gzipped)).unwrap();
    assert_eq!(read, dataset);
}

#[wasm_bindgen_test]
fn the_idx_reader_names_the_problem_in_bad_files() {
    let dataset = synthetic_dataset(30, 10);
    let files = idx_files(&dataset);

    // A labels file where images belong.
    let error = read_images("train-images-idx3-ubyte", &files[1]).unwrap_err();
    assert!(error.to_string().contains("magic"), "{error}");

    // A body cut short.
    let cut = &files[0][..files[0].len() - 100];
    let error = read_images("train-images-idx3-ubyte", cut).unwrap_err();
    assert!(
        error.to_string().contains("train-images-idx3-ubyte"),
        "{error}"
    );

    // Image and label counts that disagree.
    let mut mismatched = files.clone();
    mismatched[1] = idx_files(&synthetic_dataset(20, 10))[1].clone();
    let error = Dataset::from_files(dataset.name, &as_files(&mismatched)).unwrap_err();
    assert!(matches!(error, DataError::CountMismatch { .. }), "{error}");

    // Well-formed, but not the published files.
    let error = Dataset::from_published(dataset.name, &as_files(&files)).unwrap_err();
    assert!(matches!(error, DataError::Checksum { .. }), "{error}");
}

#[wasm_bindgen_test]
fn impossible_settings_are_refused_with_the_field_named() {
    let zero_batch = TrainConfig {
        batch_size: 0,
        ..TrainConfig::default()
    };
    let error = zero_batch.validate().unwrap_err();
    assert_eq!(error.field(), Some("batch_size"));
    let error = TrainConfig {
        learning_rate: f64::NAN,
        ..TrainConfig::default()
    }
    .validate()
    .unwrap_err();
    assert!(matches!(error, ConfigError::LearningRate(_)));
    assert!(TrainConfig::default().validate_for(100).is_err());
    assert!(TrainConfig::default().validate().is_ok());
}

fn tiny_config() -> TrainConfig {
    TrainConfig {
        epochs: 2,
        batch_size: 16,
        noise_dim: 8,
        save_interval: 1,
        seed: 3,
        ..TrainConfig::default()
    }
}

/// Trains `tiny_config` on 64 made-up images and checks what came out.
async fn train_a_little(device: &Device) {
    let data = synthetic_split(64, 4);
    let mut trainer = GanTrainer::new(tiny_config(), &data, device).unwrap();
    let mut events = Vec::new();
    while !trainer
        .advance(3, &mut |event| events.push(event))
        .await
        .unwrap()
    {}
    let losses: Vec<(f32, f32)> = events
        .iter()
        .filter_map(|event| match event {
            TrainEvent::Step(step) => Some((step.d_loss, step.g_loss)),
            _ => None,
        })
        .collect();
    assert_eq!(losses.len(), 8);
    assert!(losses.iter().all(|(d, g)| d.is_finite() && g.is_finite()));
    // The losses move: training did something.
    assert!(
        losses.windows(2).any(|pair| pair[0] != pair[1]),
        "{losses:?}"
    );
    let grids = events
        .iter()
        .filter(|event| matches!(event, TrainEvent::Grid { .. }))
        .count();
    assert_eq!(grids, 2);
    let finals = trainer
        .final_images()
        .expect("final images after the last epoch");
    assert_eq!(finals.len(), 100 * 784);
    // Not blank: the pixels vary.
    let first = finals[0];
    assert!(finals.iter().any(|&pixel| pixel != first));
}

#[wasm_bindgen_test]
async fn a_few_steps_train_on_the_flex_cpu_backend() {
    train_a_little(&Device::flex()).await;
}

#[wasm_bindgen_test]
async fn a_few_steps_train_on_the_ndarray_cpu_backend() {
    #[allow(deprecated)]
    let device = Device::ndarray();
    train_a_little(&device).await;
}

#[wasm_bindgen_test]
async fn a_few_steps_train_on_webgpu() {
    let required = option_env!("WEBGAN_REQUIRE_WEBGPU") == Some("1");
    match Device::wgpu_options().init_async().await {
        Ok(device) => train_a_little(&device).await,
        Err(error) if required => panic!("WebGPU is required here but failed: {error}"),
        Err(error) => web_sys::console::warn_1(
            &format!("no WebGPU here ({error}); set WEBGAN_REQUIRE_WEBGPU=1 to fail instead")
                .into(),
        ),
    }
}
