//! The figures of the verdict, on inputs whose answers are known.
// Native only: `wasm-pack test` builds every test target for the browser too, where
// tests/web.rs is the share that runs.
#![cfg(not(target_arch = "wasm32"))]

use webgan::eval::{FeatureStats, entropy, inception_score, label_distribution};

#[test]
fn label_distribution_counts_each_label() {
    assert_eq!(
        label_distribution(&[0, 3, 3, 9]),
        [1, 0, 0, 2, 0, 0, 0, 0, 0, 1]
    );
}

#[test]
fn entropy_is_ln_10_when_even_and_0_when_collapsed() {
    assert!((entropy(&[10; 10]) - 10f64.ln()).abs() < 1e-12);
    assert_eq!(entropy(&[0, 0, 100, 0, 0, 0, 0, 0, 0, 0]), 0.0);
    assert!((entropy(&[50, 50, 0, 0, 0, 0, 0, 0, 0, 0]) - 2f64.ln()).abs() < 1e-12);
}

#[test]
fn inception_score_is_10_for_confident_even_labels_and_1_for_one_label() {
    let mut even = Vec::new();
    for label in 0..10 {
        let mut row = [0.0f32; 10];
        row[label] = 1.0;
        even.extend_from_slice(&row);
    }
    assert!((inception_score(&even) - 10.0).abs() < 1e-6);
    let collapsed: Vec<f32> = (0..50)
        .flat_map(|_| [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
        .collect();
    assert!((inception_score(&collapsed) - 1.0).abs() < 1e-6);
    let unsure = vec![0.1f32; 100];
    assert!((inception_score(&unsure) - 1.0).abs() < 1e-6);
}

#[test]
fn frechet_distance_is_0_for_the_same_data_and_grows_with_a_shift() {
    let mut rows = Vec::new();
    let mut state = 17u64;
    for _ in 0..400 {
        for _ in 0..3 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            rows.push(((state >> 40) as f32 / (1u64 << 24) as f32) - 0.5);
        }
    }
    let stats = FeatureStats::from_rows(&rows, 3);
    assert!(stats.frechet_distance(&stats).abs() < 1e-6);

    // Shifting every feature by 2 moves the mean by sqrt(3 * 4) and leaves the covariance.
    let shifted: Vec<f32> = rows.iter().map(|v| v + 2.0).collect();
    let distance = stats.frechet_distance(&FeatureStats::from_rows(&shifted, 3));
    assert!((distance - 12.0).abs() < 1e-3, "{distance}");

    // Scaling by 2 leaves the mean near 0 and quadruples the covariance.
    let scaled: Vec<f32> = rows.iter().map(|v| v * 2.0).collect();
    assert!(stats.frechet_distance(&FeatureStats::from_rows(&scaled, 3)) > 0.1);
}
