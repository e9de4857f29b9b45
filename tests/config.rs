//! The lab's defaults and the refusal of impossible settings.
// Native only: `wasm-pack test` builds every test target for the browser too, where
// tests/web.rs is the share that runs.
#![cfg(not(target_arch = "wasm32"))]

use webgan::config::{ConfigError, DatasetName, TrainConfig};

#[test]
fn defaults_are_the_labs() {
    let config = TrainConfig::default();
    assert_eq!(config.dataset, DatasetName::Mnist);
    assert_eq!(config.epochs, 30);
    assert_eq!(config.batch_size, 128);
    assert_eq!(config.noise_dim, 100);
    assert_eq!(config.learning_rate, 0.0002);
    assert_eq!(config.save_interval, 5);
    assert_eq!(config.validate_for(60_000), Ok(()));
    assert_eq!(config.steps_per_epoch(60_000), 468);
}

#[test]
fn zero_counts_are_refused_by_name() {
    type Change = fn(&mut TrainConfig);
    let cases: [(Change, &str); 4] = [
        (|c| c.batch_size = 0, "batch size"),
        (|c| c.noise_dim = 0, "noise dimension"),
        (|c| c.save_interval = 0, "save interval"),
        (|c| c.epochs = 0, "epochs"),
    ];
    for (change, field) in cases {
        let mut config = TrainConfig::default();
        change(&mut config);
        let error = config.validate().unwrap_err();
        assert_eq!(error, ConfigError::Zero { field });
        assert!(error.to_string().starts_with(field), "{error}");
    }
}

#[test]
fn learning_rate_must_be_positive_and_finite() {
    for learning_rate in [0.0, -0.1, f64::NAN, f64::INFINITY] {
        let config = TrainConfig {
            learning_rate,
            ..TrainConfig::default()
        };
        let error = config.validate().unwrap_err();
        assert!(
            matches!(error, ConfigError::LearningRate(_)),
            "{learning_rate}"
        );
        assert!(error.to_string().contains("learning rate"));
    }
}

#[test]
fn batch_larger_than_the_data_is_refused() {
    let config = TrainConfig {
        batch_size: 256,
        train_limit: Some(200),
        ..TrainConfig::default()
    };
    assert_eq!(config.validate(), Ok(()));
    let error = config.validate_for(60_000).unwrap_err();
    assert_eq!(
        error,
        ConfigError::BatchTooLarge {
            batch_size: 256,
            examples: 200
        }
    );
    assert!(
        error
            .to_string()
            .contains("larger than the 200 training images")
    );
}

#[test]
fn absurd_sizes_are_refused() {
    let config = TrainConfig {
        noise_dim: 1_000_000,
        ..TrainConfig::default()
    };
    assert!(matches!(
        config.validate(),
        Err(ConfigError::TooLarge { .. })
    ));
}

#[test]
fn dataset_names_parse_and_unknown_ones_are_named() {
    assert_eq!("MNIST".parse::<DatasetName>(), Ok(DatasetName::Mnist));
    assert_eq!(
        "fashion-mnist".parse::<DatasetName>(),
        Ok(DatasetName::Fashion)
    );
    let error = "cifar".parse::<DatasetName>().unwrap_err();
    assert!(error.to_string().contains("'cifar'"));
}

#[test]
fn grids_are_kept_at_the_interval_and_after_the_last_epoch() {
    let config = TrainConfig {
        epochs: 12,
        save_interval: 5,
        ..TrainConfig::default()
    };
    let kept: Vec<usize> = (1..=12).filter(|&e| config.saves_grid_after(e)).collect();
    assert_eq!(kept, [5, 10, 12]);
}

#[test]
fn each_refusal_names_the_field_a_form_should_mark() {
    let base = TrainConfig::default();
    let cases = [
        (
            TrainConfig {
                epochs: 0,
                ..base.clone()
            },
            "epochs",
        ),
        (
            TrainConfig {
                batch_size: 0,
                ..base.clone()
            },
            "batch_size",
        ),
        (
            TrainConfig {
                noise_dim: 100_000,
                ..base.clone()
            },
            "noise_dim",
        ),
        (
            TrainConfig {
                save_interval: 0,
                ..base.clone()
            },
            "save_interval",
        ),
        (
            TrainConfig {
                learning_rate: -1.0,
                ..base.clone()
            },
            "learning_rate",
        ),
        (
            TrainConfig {
                train_limit: Some(0),
                ..base.clone()
            },
            "train_limit",
        ),
    ];
    for (config, field) in cases {
        let error = config.validate().unwrap_err();
        assert_eq!(error.field(), Some(field), "{error}");
    }
    let error = TrainConfig {
        batch_size: 500,
        ..base
    }
    .validate_for(100)
    .unwrap_err();
    assert_eq!(error.field(), Some("batch_size"));
}
