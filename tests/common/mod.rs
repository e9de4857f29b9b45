//! Small made-up datasets for the tests, so that most tests need no downloaded data.
#![allow(dead_code)]

use webgan::config::DatasetName;
use webgan::data::idx::{IMAGE_PIXELS, IMAGE_SIDE, encode_images, encode_labels};
use webgan::data::{Dataset, DatasetFiles, Split};

/// `count` images whose label decides where a bright bar sits, so a classifier can learn them
/// and a discriminator can tell them from noise.
pub fn synthetic_split(count: usize, seed: u64) -> Split {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as u32
    };
    let mut pixels = vec![0u8; count * IMAGE_PIXELS];
    let mut labels = Vec::with_capacity(count);
    for index in 0..count {
        let label = (index % 10) as u8;
        labels.push(label);
        let image = &mut pixels[index * IMAGE_PIXELS..(index + 1) * IMAGE_PIXELS];
        let row_start = 2 + usize::from(label) * 2;
        for row in row_start..row_start + 3 {
            for column in 4..IMAGE_SIDE - 4 {
                image[row * IMAGE_SIDE + column] = 200 + (next() % 56) as u8;
            }
        }
        for _ in 0..10 {
            let at = next() as usize % IMAGE_PIXELS;
            image[at] = (next() % 80) as u8;
        }
    }
    Split { pixels, labels }
}

/// A made-up dataset with `train` training and `test` test images.
pub fn synthetic_dataset(train: usize, test: usize) -> Dataset {
    Dataset {
        name: DatasetName::Mnist,
        train: synthetic_split(train, 1),
        test: synthetic_split(test, 2),
    }
}

/// The four IDX files of a split pair, uncompressed.
pub fn idx_files(dataset: &Dataset) -> [Vec<u8>; 4] {
    [
        encode_images(&dataset.train.pixels),
        encode_labels(&dataset.train.labels),
        encode_images(&dataset.test.pixels),
        encode_labels(&dataset.test.labels),
    ]
}

/// Borrows four files as `DatasetFiles`.
pub fn as_files(files: &[Vec<u8>; 4]) -> DatasetFiles<'_> {
    DatasetFiles {
        train_images: &files[0],
        train_labels: &files[1],
        test_images: &files[2],
        test_labels: &files[3],
    }
}

/// Gzips bytes as the served data files are.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Where `./build.sh data` keeps the real files of `dataset`.
pub fn real_data_dir(dataset: DatasetName) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("www/data")
        .join(dataset.as_str())
}

/// Reads the real, published dataset. The test command fetches it first; a developer who
/// runs `cargo test` alone gets told how.
pub fn real_dataset(dataset: DatasetName) -> Dataset {
    let folder = real_data_dir(dataset);
    let read = |name: &str| {
        std::fs::read(folder.join(format!("{name}.gz"))).unwrap_or_else(|error| {
            panic!(
                "{}/{name}.gz: {error}; run `./build.sh data` first",
                folder.display()
            )
        })
    };
    let files = webgan::data::FILE_NAMES.map(read);
    Dataset::from_published(dataset, &as_files(&files)).expect("the published data loads")
}

/// An empty folder of its own under Cargo's scratch space for integration tests.
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("webgan-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Burn's CPU backends draw their random numbers (initial weights, dropout masks) from one
/// generator per process, and the trainers reseed it. Tests in one binary run on parallel
/// threads, so a test that compares two runs holds this lock while it trains: no other test can
/// reseed or draw from the generator halfway through.
pub fn device_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
