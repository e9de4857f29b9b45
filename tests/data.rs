//! The IDX loader on good and bad files, and the published datasets' checks.
// Native only: `wasm-pack test` builds every test target for the browser too, where
// tests/web.rs is the share that runs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{as_files, gzip, idx_files, real_dataset, synthetic_dataset};
use webgan::config::DatasetName;
use webgan::data::idx::{encode_images, encode_labels, read_images, read_labels};
use webgan::data::{BatchOrder, DataError, Dataset};

#[test]
fn reads_raw_and_gzipped_files_alike() {
    let dataset = synthetic_dataset(120, 30);
    let files = idx_files(&dataset);
    let raw = Dataset::from_files(DatasetName::Mnist, &as_files(&files)).unwrap();
    let zipped = files.clone().map(|bytes| gzip(&bytes));
    let unzipped = Dataset::from_files(DatasetName::Mnist, &as_files(&zipped)).unwrap();
    assert_eq!(raw, dataset);
    assert_eq!(unzipped, dataset);
    assert_eq!(raw.train.len(), 120);
    assert_eq!(raw.test.len(), 30);
}

#[test]
fn a_labels_file_given_as_images_names_the_mix_up() {
    let error = read_images("train-images-idx3-ubyte", &encode_labels(&[1, 2, 3])).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("train-images-idx3-ubyte"), "{message}");
    assert!(
        message.contains("expected magic 2051, found 2049"),
        "{message}"
    );
    assert!(message.contains("labels file"), "{message}");
}

#[test]
fn truncated_body_is_refused() {
    let mut bytes = encode_images(&vec![7u8; 784 * 3]);
    bytes.truncate(bytes.len() - 100);
    let message = read_images("t10k-images-idx3-ubyte", &bytes)
        .unwrap_err()
        .to_string();
    assert!(message.contains("truncated"), "{message}");
    assert!(message.contains("t10k-images-idx3-ubyte"), "{message}");
}

#[test]
fn truncated_gzip_is_refused() {
    let zipped = gzip(&encode_images(&vec![7u8; 784 * 50]));
    let cut = &zipped[..zipped.len() / 2];
    let message = read_images("train-images-idx3-ubyte.gz", cut)
        .unwrap_err()
        .to_string();
    assert!(message.contains("train-images-idx3-ubyte.gz"), "{message}");
}

#[test]
fn header_claiming_a_billion_images_is_refused_without_allocating() {
    let mut bytes = encode_images(&vec![0u8; 784]);
    bytes[4..8].copy_from_slice(&1_000_000_000u32.to_be_bytes());
    let message = read_images("train-images-idx3-ubyte", &bytes)
        .unwrap_err()
        .to_string();
    assert!(message.contains("1000000000 records"), "{message}");
}

#[test]
fn images_that_are_not_28x28_are_refused() {
    let mut bytes = encode_images(&vec![0u8; 784]);
    bytes[8..12].copy_from_slice(&32u32.to_be_bytes());
    let message = read_images("train-images-idx3-ubyte", &bytes)
        .unwrap_err()
        .to_string();
    assert!(message.contains("32x28"), "{message}");
}

#[test]
fn empty_files_and_short_headers_are_refused() {
    let message = read_images("a", &encode_images(&[]))
        .unwrap_err()
        .to_string();
    assert!(message.contains("no records"), "{message}");
    let message = read_labels("b", &[0, 0, 8]).unwrap_err().to_string();
    assert!(message.contains("too short"), "{message}");
    let message = read_labels("c", &[]).unwrap_err().to_string();
    assert!(message.contains("too short"), "{message}");
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = encode_labels(&[1, 2, 3]);
    bytes.push(4);
    let message = read_labels("train-labels-idx1-ubyte", &bytes)
        .unwrap_err()
        .to_string();
    assert!(message.contains("1 unexpected bytes"), "{message}");
}

#[test]
fn labels_outside_0_to_9_are_refused() {
    let message = read_labels("train-labels-idx1-ubyte", &encode_labels(&[1, 2, 12]))
        .unwrap_err()
        .to_string();
    assert!(message.contains("label 12 at record 2"), "{message}");
}

#[test]
fn image_and_label_counts_must_agree() {
    let dataset = synthetic_dataset(40, 20);
    let mut files = idx_files(&dataset);
    files[1] = encode_labels(&dataset.train.labels[..39]);
    let error = Dataset::from_files(DatasetName::Mnist, &as_files(&files)).unwrap_err();
    assert!(matches!(
        error,
        DataError::CountMismatch {
            image_count: 40,
            label_count: 39,
            ..
        }
    ));
    assert!(
        error.to_string().contains("train-labels-idx1-ubyte"),
        "{error}"
    );
}

#[test]
fn well_formed_files_that_are_not_the_published_ones_fail_the_checksum() {
    let dataset = synthetic_dataset(40, 20);
    let files = idx_files(&dataset);
    let error = Dataset::from_published(DatasetName::Fashion, &as_files(&files)).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, DataError::Checksum { .. }), "{message}");
    assert!(message.contains("train-images-idx3-ubyte"), "{message}");
    assert!(message.contains("fashion"), "{message}");
}

#[test]
fn batches_cover_each_image_once_per_epoch_and_reshuffle() {
    let mut order = BatchOrder::new(100, 30, 9);
    let mut first = Vec::new();
    while let Some(batch) = order.next_batch() {
        assert_eq!(batch.len(), 30);
        first.extend_from_slice(batch);
    }
    assert_eq!(first.len(), 90, "the 10 left over wait for the next epoch");
    let mut sorted = first.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 90);
    order.reshuffle();
    let second: Vec<usize> = order.next_batch().unwrap().to_vec();
    assert_ne!(second, first[..30].to_vec());
}

#[test]
fn published_mnist_loads_and_verifies() {
    let dataset = real_dataset(DatasetName::Mnist);
    assert_eq!(dataset.train.len(), 60_000);
    assert_eq!(dataset.test.len(), 10_000);
    assert_eq!(dataset.train.labels[..5], [5, 0, 4, 1, 9]);
}

#[test]
fn published_fashion_loads_and_verifies() {
    let dataset = real_dataset(DatasetName::Fashion);
    assert_eq!(dataset.train.len(), 60_000);
    assert_eq!(dataset.test.len(), 10_000);
}

#[test]
fn one_changed_pixel_in_a_published_file_is_caught() {
    let mut dataset = real_dataset(DatasetName::Mnist);
    dataset.test.pixels[1234] ^= 1;
    let error = dataset.verify_checksums().unwrap_err();
    assert!(
        error.to_string().contains("t10k-images-idx3-ubyte"),
        "{error}"
    );
}

#[test]
fn a_gzip_that_inflates_beyond_any_dataset_file_is_refused() {
    let bomb = gzip(&vec![0u8; 70 * 1024 * 1024]);
    let message = read_images("train-images-idx3-ubyte.gz", &bomb)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("train-images-idx3-ubyte.gz: inflates to more than"),
        "{message}"
    );
}
