//! The native CLI end to end on a slice of the real MNIST files: its folders, its summary,
//! and its messages for bad input.
// Native only: `wasm-pack test` builds every test target for the browser too, where
// tests/web.rs is the share that runs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::Path;
use std::process::{Command, Output};
use webgan::config::DatasetName;

fn webgan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_webgan"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the CLI runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A data folder that shows the real files under `mnist/`, so that the classifier the CLI
/// trains and saves lands in a temporary folder, not beside the real data.
fn data_dir_linking_real_mnist(root: &Path) -> std::path::PathBuf {
    let data = root.join("data");
    std::fs::create_dir_all(data.join("mnist")).unwrap();
    for name in webgan::data::FILE_NAMES {
        let file = format!("{name}.gz");
        let source = common::real_data_dir(DatasetName::Mnist).join(&file);
        assert!(
            source.exists(),
            "{} missing: run `./build.sh data`",
            source.display()
        );
        std::os::unix::fs::symlink(source, data.join("mnist").join(file)).unwrap();
    }
    data
}

#[test]
fn train_writes_the_labs_folders_and_a_summary() {
    let root = common::scratch_dir("folders");
    let data = data_dir_linking_real_mnist(&root);
    let out = root.join("run");
    let output = webgan(&[
        "train",
        "--epochs",
        "2",
        "--batch-size",
        "64",
        "--limit",
        "640",
        "--save-interval",
        "1",
        "--classifier-epochs",
        "1",
        "--out",
        out.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let log = text(&output);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("epoch   1/2  D loss"), "{log}");
    assert!(
        log.contains("label distribution of the 100 final images"),
        "{log}"
    );

    for epoch in ["epoch_001.png", "epoch_002.png"] {
        let grid = std::fs::read(out.join("generated_samples").join(epoch)).unwrap();
        assert!(grid.starts_with(b"\x89PNG"), "{epoch} is a PNG");
    }
    let finals: Vec<_> = std::fs::read_dir(out.join("final_generated_images"))
        .unwrap()
        .collect();
    assert_eq!(finals.len(), 100);

    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["config"]["epochs"], 2);
    assert_eq!(summary["epochs"].as_array().unwrap().len(), 2);
    assert!(summary["epochs"][1]["d_loss"].as_f64().unwrap().is_finite());
    let distribution = summary["verdict"]["distribution"].as_array().unwrap();
    assert_eq!(
        distribution
            .iter()
            .map(|c| c.as_u64().unwrap())
            .sum::<u64>(),
        100
    );
    assert!(
        summary["verdict"]["reference"]["inception_score"]
            .as_f64()
            .unwrap()
            > 5.0
    );
    assert!(summary["error"].is_null());
    assert!(
        data.join("mnist/classifier.bpk").exists(),
        "the classifier is kept"
    );

    // A second run reuses the saved classifier instead of training it again.
    let again = webgan(&[
        "train",
        "--epochs",
        "1",
        "--batch-size",
        "64",
        "--limit",
        "128",
        "--out",
        out.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let log = text(&again);
    assert!(again.status.success(), "{log}");
    assert!(!log.contains("training the mnist classifier"), "{log}");
}

#[test]
fn impossible_settings_get_one_clear_line() {
    let root = common::scratch_dir("settings");
    let out = root.join("run");
    for (args, expected) in [
        (vec!["--batch-size", "0"], "batch size must be at least 1"),
        (
            vec!["--lr=-1"],
            "learning rate must be a positive finite number",
        ),
        (
            vec!["--save-interval", "0"],
            "save interval must be at least 1",
        ),
        (
            vec!["--noise-dim", "0"],
            "noise dimension must be at least 1",
        ),
    ] {
        let mut all = vec!["train", "--out", out.to_str().unwrap()];
        all.extend(args);
        let output = webgan(&all);
        let log = text(&output);
        assert!(!output.status.success(), "{log}");
        assert!(log.contains(expected), "{log}");
    }
    let output = webgan(&["train", "--dataset", "cifar"]);
    assert!(text(&output).contains("unknown dataset 'cifar'"));
}

#[test]
fn missing_or_corrupt_data_is_named() {
    let root = common::scratch_dir("bad-data");
    let out = root.join("run");
    let empty = root.join("empty");
    let output = webgan(&[
        "train",
        "--out",
        out.to_str().unwrap(),
        "--data-dir",
        empty.to_str().unwrap(),
    ]);
    let log = text(&output);
    assert!(!output.status.success());
    assert!(
        log.contains("train-images-idx3-ubyte") && log.contains("./build.sh data"),
        "{log}"
    );

    let data = data_dir_linking_real_mnist(&root);
    let labels = data.join("mnist/t10k-labels-idx1-ubyte.gz");
    std::fs::remove_file(&labels).unwrap();
    std::fs::write(&labels, b"\x1f\x8b\x08\x00garbage").unwrap();
    let output = webgan(&[
        "train",
        "--out",
        out.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let log = text(&output);
    assert!(!output.status.success());
    assert!(
        log.contains("t10k-labels-idx1-ubyte") && log.contains("gzip"),
        "{log}"
    );
}
