//! The browser's door into the library: wasm-bindgen glue only. The page's worker owns this
//! module and calls these functions; everything here translates between JavaScript values and
//! the library's types and events. No training logic lives here.
//!
//! The module holds one lab: a device, a dataset, a GAN run and a classifier. Calls that train
//! are asynchronous and advance a bounded chunk of steps, so the worker can read its messages
//! (pause, stop, new settings) between them. A call made while another one is still awaiting
//! is refused with a "busy" error rather than allowed to interleave.

use crate::backend::Backend;
use crate::bench::{StepCost, median, time_gan_steps};
use crate::config::{DatasetName, TrainConfig};
use crate::data::{Dataset, DatasetFiles};
use crate::eval::Judge;
use crate::model::{Classifier, ClassifierConfig, copy_weights};
use crate::train::{
    ClassifierEvent, ClassifierTrainConfig, ClassifierTrainer, GanCheckpoint, GanTrainer,
    JUDGE_SAMPLE, TrainEvent,
};
use burn::tensor::Device;
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// Everything the lab holds between calls.
#[derive(Default)]
struct Lab {
    backend: Option<Backend>,
    device: Option<Device>,
    /// The WebGPU device, once initialised: Burn sets the runtime up once per page.
    webgpu: Option<Device>,
    dataset: Option<Rc<Dataset>>,
    gan: Option<GanTrainer>,
    classifier_run: Option<ClassifierTrainer>,
    classifier: Option<Classifier>,
    judge: Option<Rc<Judge>>,
}

thread_local! {
    static LAB: RefCell<Lab> = RefCell::new(Lab::default());
}

fn error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&message.to_string())
}

fn busy(what: &str) -> JsError {
    error(format!(
        "{what}: no such run, or a call on it is still in progress"
    ))
}

/// Plain JS object from a serialisable value (numbers as numbers, maps as objects).
fn plain<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(error)
}

fn set(object: &Object, key: &str, value: impl Into<JsValue>) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(object, &JsValue::from_str(key), &value.into());
}

/// A training event as a plain object with a `kind`. Pixels travel as `Uint8Array`s copied out
/// of wasm memory, so the worker can transfer them to the page.
fn event_to_js(event: &TrainEvent) -> Result<JsValue, JsError> {
    match event {
        TrainEvent::Grid { epoch, grid } => {
            let object = Object::new();
            set(&object, "kind", "grid");
            set(&object, "epoch", *epoch as u32);
            set(&object, "width", grid.width as u32);
            set(&object, "height", grid.height as u32);
            set(&object, "pixels", Uint8Array::from(grid.pixels.as_slice()));
            Ok(object.into())
        }
        TrainEvent::FinalImages { images } => {
            let pixels: Vec<u8> = images
                .iter()
                .flat_map(|image| image.pixels.clone())
                .collect();
            let object = Object::new();
            set(&object, "kind", "final_images");
            set(&object, "count", images.len() as u32);
            set(
                &object,
                "width",
                images.first().map_or(0, |image| image.width) as u32,
            );
            set(
                &object,
                "height",
                images.first().map_or(0, |image| image.height) as u32,
            );
            set(&object, "pixels", Uint8Array::from(pixels.as_slice()));
            Ok(object.into())
        }
        other => plain(other),
    }
}

/// `{ events, done, global_step, total_steps }` after a chunk of GAN training.
fn progress(events: &[TrainEvent], gan: &GanTrainer) -> Result<JsValue, JsError> {
    let list = Array::new();
    for event in events {
        list.push(&event_to_js(event)?);
    }
    let object = Object::new();
    set(&object, "events", list);
    set(&object, "done", gan.is_done());
    set(&object, "global_step", gan.global_step() as u32);
    set(&object, "total_steps", gan.total_steps() as u32);
    Ok(object.into())
}

fn current_device() -> Result<(Backend, Device), JsError> {
    LAB.with_borrow(|lab| lab.backend.zip(lab.device.clone()))
        .ok_or_else(|| error("no backend chosen yet: call use_backend first"))
}

fn current_dataset() -> Result<Rc<Dataset>, JsError> {
    LAB.with_borrow(|lab| lab.dataset.clone())
        .ok_or_else(|| error("no dataset loaded yet: call load_dataset first"))
}

/// Sets up logging to the console and readable panics. Runs once when the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // A second initialisation (the module instantiated twice) keeps the first logger.
    let _ = console_log::init_with_level(log::Level::Info);
}

/// The lab's default settings as a plain object (`dataset`, `epochs`, `batch_size`,
/// `noise_dim`, `learning_rate`, `save_interval`, `seed`, `train_limit`).
#[wasm_bindgen]
pub fn default_config() -> Result<JsValue, JsError> {
    plain(&TrainConfig::default())
}

/// Checks settings given as a plain object (missing fields take the defaults). Returns `null`
/// when they can be used, otherwise `{ field, message }`: the setting at fault (or `null` when
/// it is not one field) and why. With `train_examples`, also checks the batch against that
/// many training images.
#[wasm_bindgen]
pub fn check_config(config: JsValue, train_examples: Option<u32>) -> JsValue {
    let config: TrainConfig = match serde_wasm_bindgen::from_value(config) {
        Ok(config) => config,
        Err(problem) => return refusal(None, &format!("unreadable settings: {problem}")),
    };
    let checked = match train_examples {
        Some(examples) => config.validate_for(examples as usize),
        None => config.validate(),
    };
    match checked {
        Ok(()) => JsValue::NULL,
        Err(problem) => refusal(problem.field(), &problem.to_string()),
    }
}

fn refusal(field: Option<&str>, message: &str) -> JsValue {
    let object = Object::new();
    set(
        &object,
        "field",
        field.map_or(JsValue::NULL, JsValue::from_str),
    );
    set(&object, "message", message);
    object.into()
}

/// Chooses the compute backend: `"flex"` or `"ndarray"` (CPU), or `"wgpu"` (WebGPU, set up
/// asynchronously the first time). Returns the backend's name. Fails when WebGPU cannot be
/// set up; the caller then falls back to a CPU backend. Forgets any run in progress.
#[wasm_bindgen]
pub async fn use_backend(name: String) -> Result<String, JsError> {
    let backend: Backend = name.parse().map_err(error)?;
    let device = match backend.cpu_device() {
        Some(device) => device,
        None => match LAB.with_borrow(|lab| lab.webgpu.clone()) {
            Some(device) => device,
            None => {
                let device = Device::wgpu_options()
                    .init_async()
                    .await
                    .map_err(|problem| error(format!("WebGPU set-up failed: {problem}")))?;
                LAB.with_borrow_mut(|lab| lab.webgpu = Some(device.clone()));
                device
            }
        },
    };
    LAB.with_borrow_mut(|lab| {
        lab.backend = Some(backend);
        lab.device = Some(device);
        lab.gan = None;
        lab.classifier_run = None;
        lab.classifier = None;
        lab.judge = None;
    });
    log::info!("backend: {backend}");
    Ok(backend.as_str().to_string())
}

/// Reads a dataset from its four files (raw or gzipped bytes, in the order train images,
/// train labels, test images, test labels), checks their format and their published sha256
/// sums, and keeps it. Returns `{ dataset, train, test }` (image counts). Fails with a message
/// naming the file and the problem.
#[wasm_bindgen]
pub fn load_dataset(
    name: String,
    train_images: &[u8],
    train_labels: &[u8],
    test_images: &[u8],
    test_labels: &[u8],
) -> Result<JsValue, JsError> {
    let name: DatasetName = name.parse().map_err(error)?;
    let files = DatasetFiles {
        train_images,
        train_labels,
        test_images,
        test_labels,
    };
    let dataset = Dataset::from_published(name, &files).map_err(error)?;
    let object = Object::new();
    set(&object, "dataset", name.as_str());
    set(&object, "train", dataset.train.len() as u32);
    set(&object, "test", dataset.test.len() as u32);
    LAB.with_borrow_mut(|lab| {
        if lab.dataset.as_ref().is_some_and(|held| held.name != name) {
            lab.classifier = None;
            lab.classifier_run = None;
            lab.judge = None;
        }
        lab.dataset = Some(Rc::new(dataset));
    });
    Ok(object.into())
}

/// Which dataset is loaded, if any (`"mnist"`, `"fashion"` or `undefined`).
#[wasm_bindgen]
pub fn loaded_dataset() -> Option<String> {
    LAB.with_borrow(|lab| lab.dataset.as_ref().map(|d| d.name.as_str().to_string()))
}

/// Starts a GAN run with `config` (a plain object; see [`default_config`]) on the loaded
/// dataset and the chosen backend. Returns `{ steps_per_epoch, total_steps, examples }`.
/// Fails, with the reason, on impossible settings.
#[wasm_bindgen]
pub fn start_gan(config: JsValue) -> Result<JsValue, JsError> {
    let config: TrainConfig = serde_wasm_bindgen::from_value(config).map_err(error)?;
    let (_, device) = current_device()?;
    let dataset = current_dataset()?;
    if config.dataset != dataset.name {
        return Err(error(format!(
            "the settings ask for {} but {} is loaded",
            config.dataset, dataset.name
        )));
    }
    let gan = GanTrainer::new(config, &dataset.train, &device).map_err(error)?;
    let object = Object::new();
    set(&object, "steps_per_epoch", gan.steps_per_epoch() as u32);
    set(&object, "total_steps", gan.total_steps() as u32);
    set(
        &object,
        "examples",
        gan.config().examples_used(dataset.train.len()) as u32,
    );
    LAB.with_borrow_mut(|lab| lab.gan = Some(gan));
    Ok(object.into())
}

/// Continues a run from a checkpoint (bytes from [`gan_checkpoint`]) on the chosen backend:
/// after a lost GPU, say. Returns the same as [`start_gan`] plus `resumed_after` (the epoch the
/// checkpoint was taken at).
#[wasm_bindgen]
pub fn resume_gan(checkpoint: &[u8]) -> Result<JsValue, JsError> {
    let checkpoint = GanCheckpoint::from_bytes(checkpoint).map_err(error)?;
    let (_, device) = current_device()?;
    let dataset = current_dataset()?;
    let gan = GanTrainer::resume(checkpoint, &dataset.train, &device).map_err(error)?;
    let object = Object::new();
    set(&object, "steps_per_epoch", gan.steps_per_epoch() as u32);
    set(&object, "total_steps", gan.total_steps() as u32);
    set(&object, "global_step", gan.global_step() as u32);
    set(&object, "resumed_after", gan.history().len() as u32);
    LAB.with_borrow_mut(|lab| lab.gan = Some(gan));
    Ok(object.into())
}

/// Runs up to `max_steps` GAN steps (and, after the last epoch, draws the final images).
/// Returns `{ events, done, global_step, total_steps }`; `events` are plain objects with a
/// `kind`: `step`, `epoch`, `grid` and `final_images` (pixels as `Uint8Array`). Fails when
/// training diverges (the weights of the last completed epoch are kept: call [`stop_gan`] for
/// final images from them) or the device fails.
#[wasm_bindgen]
pub async fn advance_gan(max_steps: u32) -> Result<JsValue, JsError> {
    let mut gan = LAB
        .with_borrow_mut(|lab| lab.gan.take())
        .ok_or_else(|| busy("advance_gan"))?;
    let mut events = Vec::new();
    let outcome = gan
        .advance(max_steps as usize, &mut |event| events.push(event))
        .await;
    let reply = progress(&events, &gan);
    LAB.with_borrow_mut(|lab| lab.gan = Some(gan));
    outcome.map_err(error)?;
    reply
}

/// Ends the run now: draws the final images from the generator as it stands (after a
/// divergence, from the last completed epoch). Returns the same as [`advance_gan`].
#[wasm_bindgen]
pub async fn stop_gan() -> Result<JsValue, JsError> {
    let mut gan = LAB
        .with_borrow_mut(|lab| lab.gan.take())
        .ok_or_else(|| busy("stop_gan"))?;
    let mut events = Vec::new();
    let outcome = gan.conclude(&mut |event| events.push(event)).await;
    let reply = progress(&events, &gan);
    LAB.with_borrow_mut(|lab| lab.gan = Some(gan));
    outcome.map_err(error)?;
    reply
}

/// The run as it stood at the end of its last completed epoch, as bytes to keep outside the
/// module (the page keeps them to continue on the CPU if the GPU is lost).
#[wasm_bindgen]
pub async fn gan_checkpoint() -> Result<Uint8Array, JsError> {
    let gan = LAB
        .with_borrow_mut(|lab| lab.gan.take())
        .ok_or_else(|| busy("gan_checkpoint"))?;
    let outcome = gan.checkpoint().await;
    LAB.with_borrow_mut(|lab| lab.gan = Some(gan));
    let bytes = outcome.map_err(error)?.to_bytes().map_err(error)?;
    Ok(Uint8Array::from(bytes.as_slice()))
}

/// Samples the generator as it stands on the run's fixed grid noise, without touching the
/// training: `{ width, height, pixels }` of a 5x5 grid, for a live preview.
#[wasm_bindgen]
pub async fn preview() -> Result<JsValue, JsError> {
    let gan = LAB
        .with_borrow_mut(|lab| lab.gan.take())
        .ok_or_else(|| busy("preview"))?;
    let outcome = gan.preview().await;
    LAB.with_borrow_mut(|lab| lab.gan = Some(gan));
    let grid = outcome.map_err(error)?;
    let object = Object::new();
    set(&object, "width", grid.width as u32);
    set(&object, "height", grid.height as u32);
    set(&object, "pixels", Uint8Array::from(grid.pixels.as_slice()));
    Ok(object.into())
}

/// Installs classifier weights kept from an earlier visit (bytes from [`classifier_bytes`]).
/// Fails, without panicking, when they are corrupt or of another shape; train it then.
#[wasm_bindgen]
pub fn load_classifier(bytes: &[u8]) -> Result<(), JsError> {
    let (_, device) = current_device()?;
    let classifier = ClassifierConfig::new()
        .load(bytes, &device)
        .map_err(error)?;
    LAB.with_borrow_mut(|lab| {
        lab.classifier = Some(classifier);
        lab.judge = None;
    });
    Ok(())
}

/// Starts training the classifier on the loaded dataset: `epochs` passes over the first
/// `limit` training images (all when absent). Returns `{ total_steps }`.
#[wasm_bindgen]
pub fn start_classifier(epochs: u32, limit: Option<u32>) -> Result<JsValue, JsError> {
    let (_, device) = current_device()?;
    let dataset = current_dataset()?;
    let train = match limit {
        Some(limit) => dataset
            .train
            .head((limit as usize).min(dataset.train.len())),
        None => dataset.train.clone(),
    };
    let config = ClassifierTrainConfig {
        epochs: epochs as usize,
        ..ClassifierTrainConfig::default()
    };
    let run = ClassifierTrainer::new(config, dataset.name, &train, &device).map_err(error)?;
    let object = Object::new();
    set(&object, "total_steps", run.total_steps() as u32);
    LAB.with_borrow_mut(|lab| {
        lab.classifier_run = Some(run);
        lab.judge = None;
    });
    Ok(object.into())
}

/// Trains the classifier for up to `max_steps` steps. Returns `{ events, done }` with
/// `progress` events; when done, the classifier is installed and the last event is `done`
/// with its `test_accuracy`.
#[wasm_bindgen]
pub async fn advance_classifier(max_steps: u32) -> Result<JsValue, JsError> {
    let mut run = LAB
        .with_borrow_mut(|lab| lab.classifier_run.take())
        .ok_or_else(|| busy("advance_classifier"))?;
    let mut events = Vec::new();
    let outcome = run
        .advance(max_steps as usize, &mut |event| events.push(event))
        .await;
    let done = match outcome {
        Ok(done) => done,
        Err(problem) => return Err(error(problem)),
    };
    if done {
        let (_, device) = current_device()?;
        let dataset = current_dataset()?;
        let classifier = run.classifier();
        let accuracy = crate::train::accuracy(&classifier, &dataset.test, &device)
            .await
            .map_err(error)?;
        events.push(ClassifierEvent::Done {
            dataset: dataset.name,
            test_accuracy: accuracy,
        });
        LAB.with_borrow_mut(|lab| lab.classifier = Some(classifier));
    } else {
        LAB.with_borrow_mut(|lab| lab.classifier_run = Some(run));
    }
    let object = Object::new();
    set(&object, "events", plain(&events)?);
    set(&object, "done", done);
    Ok(object.into())
}

/// Whether a trained classifier is installed.
#[wasm_bindgen]
pub fn has_classifier() -> bool {
    LAB.with_borrow(|lab| lab.classifier.is_some())
}

/// The installed classifier's weights as bytes, to keep in browser storage.
#[wasm_bindgen]
pub async fn classifier_bytes() -> Result<Uint8Array, JsError> {
    let classifier = LAB
        .with_borrow(|lab| lab.classifier.clone())
        .ok_or_else(|| error("no classifier: train or load one first"))?;
    let host = copy_weights(&classifier, ClassifierConfig::new().init(&Device::flex()))
        .await
        .map_err(error)?;
    let bytes = host.to_bytes().map_err(error)?;
    Ok(Uint8Array::from(bytes.as_slice()))
}

/// Judges the finished GAN run with the installed classifier: the final images' labels and
/// label distribution, its entropy, the mean confidence, the Inception-style score and the
/// Frechet distance, beside the real test set's figures. Returns the verdict as a plain
/// object. Fails before the run has its final images or without a classifier.
#[wasm_bindgen]
pub async fn judge_gan() -> Result<JsValue, JsError> {
    let (_, device) = current_device()?;
    let dataset = current_dataset()?;
    let judge = match LAB.with_borrow(|lab| lab.judge.clone()) {
        Some(judge) => judge,
        None => {
            let classifier = LAB
                .with_borrow(|lab| lab.classifier.clone())
                .ok_or_else(|| error("no classifier: train or load one first"))?;
            let judge = Judge::new(
                classifier,
                dataset.name,
                &dataset.train,
                &dataset.test,
                JUDGE_SAMPLE,
                &device,
            )
            .await
            .map_err(error)?;
            let judge = Rc::new(judge);
            LAB.with_borrow_mut(|lab| lab.judge = Some(judge.clone()));
            judge
        }
    };
    let gan = LAB
        .with_borrow_mut(|lab| lab.gan.take())
        .ok_or_else(|| busy("judge_gan"))?;
    let outcome = gan.verdict(&judge).await;
    LAB.with_borrow_mut(|lab| lab.gan = Some(gan));
    plain(&outcome.map_err(error)?)
}

/// Makes the module trap, as a lost GPU does mid-step: for testing the page's recovery only.
#[wasm_bindgen]
pub fn simulate_crash() {
    panic!("simulated crash of the compute device (requested by the page's test hook)");
}

/// Times GAN training steps on the chosen backend at `batch_size` with the default
/// architecture (made-up images): `warmup` untimed steps, then `steps` timed ones. Returns
/// `{ backend, batch_size, times_ms, median_ms, flops, gflops }`.
#[wasm_bindgen]
pub async fn bench_gan(batch_size: u32, warmup: u32, steps: u32) -> Result<JsValue, JsError> {
    let (backend, device) = current_device()?;
    let config = TrainConfig {
        batch_size: batch_size as usize,
        ..TrainConfig::default()
    };
    let times = time_gan_steps(
        &config,
        &device,
        warmup as usize,
        steps as usize,
        js_sys::Date::now,
    )
    .await
    .map_err(error)?;
    let cost = StepCost::of(&config);
    let median_ms = median(&times);
    let object = Object::new();
    set(&object, "backend", backend.as_str());
    set(&object, "batch_size", batch_size);
    set(&object, "times_ms", plain(&times)?);
    set(&object, "median_ms", median_ms);
    set(&object, "flops", cost.flops() as f64);
    set(&object, "gflops", cost.gflops_at(median_ms));
    Ok(object.into())
}
