//! Arguments, files and terminal output of the native trainer. The experiment itself is the
//! library's; this module reads the data from disk, picks the device, and turns the library's
//! events into log lines, PNG files and `summary.json`.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use webgan::backend::Backend;
use webgan::config::{DatasetName, TrainConfig};
use webgan::data::idx::MAX_FILE_BYTES;
use webgan::data::{Dataset, DatasetFiles, FILE_NAMES};
use webgan::eval::{Judge, Verdict};
use webgan::model::ClassifierConfig;
use webgan::train::{
    ClassifierEvent, ClassifierTrainConfig, ClassifierTrainer, EpochSummary, GanTrainer,
    TrainEvent, accuracy,
};

/// Steps run between two looks at the terminal.
const CHUNK_STEPS: usize = 16;

#[derive(Parser, Debug)]
#[command(
    name = "webgan",
    version,
    about = "Train a basic GAN on MNIST or Fashion-MNIST"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Train a GAN, writing sample grids, final images and a summary to the output folder.
    Train(TrainArgs),
    /// Time training steps on each backend and print ms per step and GFLOP/s.
    Bench(crate::bench::BenchArgs),
}

#[derive(clap::Args, Debug)]
struct TrainArgs {
    /// Dataset to learn: mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetName,
    /// Passes over the training set.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Images per training step.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Length of the generator's noise vector.
    #[arg(long, default_value_t = 100)]
    noise_dim: usize,
    /// Adam's learning rate for both networks.
    #[arg(long, default_value_t = 0.0002)]
    lr: f64,
    /// Keep a 5x5 grid of samples every this many epochs.
    #[arg(long, default_value_t = 5)]
    save_interval: usize,
    /// Seed for weights, noise and shuffling.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Use only the first N training images (for quick runs).
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Compute backend: cpu (the faster CPU backend), flex, ndarray or wgpu.
    #[arg(long, default_value = "cpu")]
    backend: Backend,
    /// Folder for generated_samples/, final_generated_images/ and summary.json.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Folder holding <dataset>/<file>.gz, as fetched by `./build.sh data`.
    #[arg(long, default_value = "www/data")]
    data_dir: PathBuf,
    /// Skip the classifier and its verdict.
    #[arg(long)]
    no_judge: bool,
    /// Epochs of classifier training when no saved classifier exists.
    #[arg(long, default_value_t = 4)]
    classifier_epochs: usize,
}

/// A failure of the CLI, printed as one line.
pub(crate) type CliResult<T> = Result<T, String>;

pub fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("webgan=info"))
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train(args),
        Command::Bench(args) => crate::bench::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// One line of the epoch log in `summary.json`.
#[derive(Serialize)]
struct EpochLine {
    #[serde(flatten)]
    summary: EpochSummary,
    seconds: f64,
}

/// What `summary.json` holds.
#[derive(Serialize)]
struct Summary<'a> {
    config: &'a TrainConfig,
    backend: Backend,
    steps_per_epoch: usize,
    epochs: &'a [EpochLine],
    classifier_test_accuracy: Option<f64>,
    verdict: Option<&'a Verdict>,
    error: Option<String>,
    seconds: f64,
}

fn train(args: TrainArgs) -> CliResult<()> {
    let started = Instant::now();
    let mut config = TrainConfig {
        dataset: args.dataset,
        epochs: args.epochs,
        batch_size: args.batch_size,
        noise_dim: args.noise_dim,
        learning_rate: args.lr,
        save_interval: args.save_interval,
        seed: args.seed,
        train_limit: args.limit,
    };
    config.validate().map_err(|error| error.to_string())?;

    let dataset = load_dataset(&args.data_dir, args.dataset)?;
    config.train_limit = config
        .train_limit
        .map(|limit| limit.min(dataset.train.len()));
    config
        .validate_for(dataset.train.len())
        .map_err(|error| error.to_string())?;
    let device = open_device(args.backend)?;
    say!(
        "webgan: {} ({} training images), backend {}, {} epoch(s) of batch {}",
        args.dataset,
        config.examples_used(dataset.train.len()),
        args.backend,
        config.epochs,
        config.batch_size
    );

    let samples_dir = args.out.join("generated_samples");
    let finals_dir = args.out.join("final_generated_images");
    for dir in [&samples_dir, &finals_dir] {
        std::fs::create_dir_all(dir)
            .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
        remove_earlier_images(dir)?;
    }

    let mut classifier_accuracy = None;
    let mut trainer =
        GanTrainer::new(config.clone(), &dataset.train, &device).map_err(|e| e.to_string())?;
    if !args.no_judge {
        let classifier = classifier_for(&args, &dataset, &device)?;
        let judge = pollster::block_on(Judge::new(
            classifier,
            dataset.name,
            &dataset.train,
            &dataset.test,
            webgan::train::JUDGE_SAMPLE,
            &device,
        ))
        .map_err(|error| error.to_string())?;
        say!(
            "classifier: {:.2}% on the real test set",
            judge.reference().test_accuracy * 100.0
        );
        classifier_accuracy = Some(judge.reference().test_accuracy);
        trainer = trainer.with_judge(judge);
    }

    let progress = progress_bar(trainer.total_steps() as u64, "GAN");
    let mut epochs: Vec<EpochLine> = Vec::new();
    let mut verdict: Option<Verdict> = None;
    let write_error: RefCell<Option<String>> = RefCell::new(None);
    let mut epoch_started = Instant::now();
    let mut sink = |event: TrainEvent| match event {
        TrainEvent::Step(stats) => {
            progress.set_position(stats.global_step as u64);
            progress.set_message(format!("D {:.3}  G {:.3}", stats.d_loss, stats.g_loss));
        }
        TrainEvent::Epoch(summary) => {
            let seconds = epoch_started.elapsed().as_secs_f64();
            epoch_started = Instant::now();
            progress.suspend(|| {
                say!(
                    "epoch {:>3}/{}  D loss {:.4}  G loss {:.4}  D(x) {:.3}  D(G(z)) {:.3}  {:.1}s",
                    summary.epoch,
                    summary.epochs,
                    summary.d_loss,
                    summary.g_loss,
                    summary.d_real,
                    summary.d_fake,
                    seconds
                )
            });
            epochs.push(EpochLine { summary, seconds });
        }
        TrainEvent::Grid { epoch, grid } => {
            let path = samples_dir.join(format!("epoch_{epoch:03}.png"));
            if let Err(error) = std::fs::write(&path, grid.to_png()) {
                *write_error.borrow_mut() =
                    Some(format!("cannot write {}: {error}", path.display()));
            }
        }
        TrainEvent::FinalImages { images } => {
            for (index, image) in images.iter().enumerate() {
                let path = finals_dir.join(format!("image_{index:03}.png"));
                if let Err(error) = std::fs::write(&path, image.to_png()) {
                    *write_error.borrow_mut() =
                        Some(format!("cannot write {}: {error}", path.display()));
                }
            }
        }
        TrainEvent::Verdict(judged) => verdict = Some(*judged),
    };

    let mut error = None;
    loop {
        match pollster::block_on(trainer.advance(CHUNK_STEPS, &mut sink)) {
            Ok(true) => break,
            Ok(false) => {}
            Err(failure) => {
                error = Some(failure.to_string());
                // Keep what was learnt: the final images (and verdict) from the weights of
                // the last completed epoch.
                if let Err(also) = pollster::block_on(trainer.conclude(&mut sink)) {
                    eprintln!("error: could not draw the final images: {also}");
                }
                break;
            }
        }
        if write_error.borrow().is_some() {
            break;
        }
    }
    progress.finish_and_clear();
    let error = error.or(write_error.into_inner());

    if let Some(verdict) = &verdict {
        print_verdict(verdict);
    }
    let summary = Summary {
        config: &config,
        backend: args.backend,
        steps_per_epoch: trainer.steps_per_epoch(),
        epochs: &epochs,
        classifier_test_accuracy: classifier_accuracy,
        verdict: verdict.as_ref(),
        error: error.clone(),
        seconds: started.elapsed().as_secs_f64(),
    };
    let summary_path = args.out.join("summary.json");
    let json = serde_json::to_string_pretty(&summary).map_err(|error| error.to_string())?;
    std::fs::write(&summary_path, json)
        .map_err(|error| format!("cannot write {}: {error}", summary_path.display()))?;
    say!(
        "wrote {} grid(s) to {}, {} final image(s) to {}, and {} in {:.0}s",
        count_files(&samples_dir),
        samples_dir.display(),
        count_files(&finals_dir),
        finals_dir.display(),
        summary_path.display(),
        started.elapsed().as_secs_f64()
    );
    match error {
        Some(message) => Err(message),
        None => Ok(()),
    }
}

/// Removes the PNGs an earlier run left in one of our output folders, so that a folder never
/// mixes two runs. Other files are left alone.
fn remove_earlier_images(dir: &Path) -> CliResult<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours =
            (name.starts_with("epoch_") || name.starts_with("image_")) && name.ends_with(".png");
        if ours {
            std::fs::remove_file(entry.path())
                .map_err(|error| format!("cannot remove {}: {error}", entry.path().display()))?;
        }
    }
    Ok(())
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| entries.count())
}

/// Reads the four files of `dataset` from `data_dir/<dataset>/`, gzipped or not, and checks
/// them against the published checksums.
fn load_dataset(data_dir: &Path, dataset: DatasetName) -> CliResult<Dataset> {
    let folder = data_dir.join(dataset.as_str());
    let mut contents = Vec::new();
    for name in FILE_NAMES {
        let gzipped = folder.join(format!("{name}.gz"));
        let raw = folder.join(name);
        let path = if gzipped.exists() { gzipped } else { raw };
        let bytes = read_bounded(&path).map_err(|error| {
            format!(
                "cannot read {}: {error} (run `./build.sh data` to fetch the datasets, or pass --data-dir)",
                path.display()
            )
        })?;
        contents.push(bytes);
    }
    let files = DatasetFiles {
        train_images: &contents[0],
        train_labels: &contents[1],
        test_images: &contents[2],
        test_labels: &contents[3],
    };
    Dataset::from_published(dataset, &files).map_err(|error| error.to_string())
}

/// Reads a data file, refusing one larger than any real dataset file (a wrong path can point
/// at something endless, like a device file).
fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_FILE_BYTES} bytes, which no dataset file is"
        )));
    }
    Ok(bytes)
}

pub(crate) fn open_device(backend: Backend) -> CliResult<burn::tensor::Device> {
    if let Some(device) = backend.cpu_device() {
        return Ok(device);
    }
    let device = burn::tensor::Device::wgpu_options()
        .init()
        .map_err(|error| format!("no usable GPU through wgpu ({error}); use --backend cpu"))?;
    match device.identity() {
        Some(identity) if identity.physical.is_some() => say!("wgpu adapter: {}", identity.name),
        Some(identity) => say!(
            "wgpu adapter: {} is a software renderer, not a GPU: expect it to be far slower \
             than --backend cpu",
            identity.name
        ),
        None => say!("wgpu adapter: unknown"),
    }
    Ok(device)
}

/// The saved classifier for this dataset, or a newly trained one (then saved beside the data).
fn classifier_for(
    args: &TrainArgs,
    dataset: &Dataset,
    device: &burn::tensor::Device,
) -> CliResult<webgan::model::Classifier> {
    let path = args
        .data_dir
        .join(dataset.name.as_str())
        .join("classifier.bpk");
    if let Ok(bytes) = std::fs::read(&path) {
        match ClassifierConfig::new().load(&bytes, device) {
            Ok(classifier) => return Ok(classifier),
            Err(error) => eprintln!("{}: {error}", path.display()),
        }
    }

    let config = ClassifierTrainConfig {
        epochs: args.classifier_epochs,
        ..ClassifierTrainConfig::default()
    };
    let mut trainer = ClassifierTrainer::new(config, dataset.name, &dataset.train, device)
        .map_err(|error| error.to_string())?;
    say!(
        "training the {} classifier (once; it is saved for later runs)",
        dataset.name
    );
    let progress = progress_bar(trainer.total_steps() as u64, "classifier");
    let mut sink = |event: ClassifierEvent| {
        if let ClassifierEvent::Progress {
            epoch,
            epochs,
            step,
            steps_per_epoch,
            loss,
            ..
        } = event
        {
            progress.set_position(((epoch - 1) * steps_per_epoch + step) as u64);
            progress.set_message(format!("loss {loss:.3}"));
            if step == steps_per_epoch {
                progress.suspend(|| say!("classifier epoch {epoch}/{epochs}  loss {loss:.4}"));
            }
        }
    };
    while !pollster::block_on(trainer.advance(CHUNK_STEPS, &mut sink))
        .map_err(|error| error.to_string())?
    {}
    progress.finish_and_clear();

    let classifier = trainer.classifier();
    let test_accuracy = pollster::block_on(accuracy(&classifier, &dataset.test, device))
        .map_err(|error| error.to_string())?;
    say!(
        "classifier trained: {:.2}% test accuracy",
        test_accuracy * 100.0
    );
    match classifier.to_bytes() {
        Ok(bytes) => {
            if let Err(error) = std::fs::write(&path, bytes) {
                eprintln!("cannot save the classifier to {}: {error}", path.display());
            }
        }
        Err(error) => eprintln!("cannot save the classifier: {error}"),
    }
    Ok(classifier)
}

fn progress_bar(length: u64, label: &'static str) -> ProgressBar {
    let progress = ProgressBar::new(length);
    progress.set_style(
        ProgressStyle::with_template(&format!(
            "{label} [{{bar:30}}] {{pos}}/{{len}} steps, {{per_sec}}, eta {{eta}}  {{msg}}"
        ))
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    progress
}

fn print_verdict(verdict: &Verdict) {
    say!(
        "label distribution of the {} final images:",
        verdict.labels.len()
    );
    let largest = verdict
        .distribution
        .iter()
        .copied()
        .max()
        .unwrap_or(1)
        .max(1);
    for (name, &count) in verdict.class_names.iter().zip(&verdict.distribution) {
        let bar = "#".repeat(count * 40 / largest);
        say!("  {name:>11} {count:>4} {bar}");
    }
    say!(
        "entropy {:.3} of at most {:.3}; mean confidence {:.3} (real test set {:.3})",
        verdict.entropy,
        verdict.max_entropy,
        verdict.mean_confidence,
        verdict.reference.mean_confidence
    );
    say!(
        "inception-style score {:.2} (real test set {:.2}); classifier Frechet distance {:.2} \
         (real data {:.2}), over {} generated images",
        verdict.inception_score,
        verdict.reference.inception_score,
        verdict.frechet_distance,
        verdict.reference.frechet_distance,
        verdict.sample_size
    );
}
