//! Reading the IDX format (big-endian header, then unsigned bytes), raw or gzipped.

use flate2::read::GzDecoder;
use std::io::Read;

/// Side length of every image in both datasets.
pub const IMAGE_SIDE: usize = 28;
/// Pixels in one image.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Magic number of an IDX file of unsigned-byte images (three dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte labels (one dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The largest file accepted, raw or inflated: both real image files are 47 MB, and a gzip
/// bomb or a wrong path must not take the whole memory of a browser tab or a machine.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why bytes could not be read as the IDX file they claim to be. The `file` is the name the
/// caller gave (for example `train-images-idx3-ubyte.gz`), so every message says which file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum IdxError {
    /// The bytes start like gzip but do not inflate.
    #[error("{file}: not a valid gzip stream ({reason}); delete it and fetch the data again")]
    Gzip {
        /// The file's name.
        file: String,
        /// What the decompressor said.
        reason: String,
    },
    /// The file inflates to more than any dataset file.
    #[error("{file}: inflates to more than {MAX_FILE_BYTES} bytes, larger than any dataset file")]
    TooLarge {
        /// The file's name.
        file: String,
    },
    /// The header is shorter than the format requires.
    #[error("{file}: only {found} bytes, too short for an IDX header of {needed} bytes")]
    ShortHeader {
        /// The file's name.
        file: String,
        /// Bytes present.
        found: usize,
        /// Bytes the header needs.
        needed: usize,
    },
    /// The magic number is not the one expected for this kind of file.
    #[error("{file}: expected magic {expected}, found {found}{hint}")]
    Magic {
        /// The file's name.
        file: String,
        /// The magic number for this kind of file.
        expected: u32,
        /// The magic number in the file.
        found: u32,
        /// A guess at what the file really is, when the found magic is a known one.
        hint: &'static str,
    },
    /// The images are not 28x28.
    #[error("{file}: images are {rows}x{cols}, expected 28x28")]
    Dimensions {
        /// The file's name.
        file: String,
        /// Rows in the header.
        rows: u32,
        /// Columns in the header.
        cols: u32,
    },
    /// The header claims zero records.
    #[error("{file}: the header says it holds no records")]
    Empty {
        /// The file's name.
        file: String,
    },
    /// The body is shorter than the header claims (a truncated download, or a bogus count).
    #[error(
        "{file}: the header promises {count} records ({expected} bytes) but only {found} bytes follow; the file is truncated or corrupt"
    )]
    Truncated {
        /// The file's name.
        file: String,
        /// Records the header claims.
        count: u32,
        /// Body bytes that count needs.
        expected: u64,
        /// Body bytes present.
        found: u64,
    },
    /// Bytes remain after the last record.
    #[error("{file}: {extra} unexpected bytes after the last of {count} records")]
    TrailingBytes {
        /// The file's name.
        file: String,
        /// Records the header claims.
        count: u32,
        /// Bytes beyond them.
        extra: u64,
    },
    /// A label is not a digit 0-9.
    #[error("{file}: label {label} at record {index} is outside 0-9")]
    Label {
        /// The file's name.
        file: String,
        /// The offending value.
        label: u8,
        /// Which record holds it (from 0).
        index: usize,
    },
}

/// Returns `bytes` inflated when they are gzip, unchanged otherwise.
pub fn maybe_gunzip(file: &str, bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes.to_vec());
    }
    let mut inflated = Vec::new();
    GzDecoder::new(bytes)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut inflated)
        .map_err(|error| IdxError::Gzip {
            file: file.to_string(),
            reason: error.to_string(),
        })?;
    if inflated.len() as u64 > MAX_FILE_BYTES {
        return Err(IdxError::TooLarge {
            file: file.to_string(),
        });
    }
    Ok(inflated)
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn magic_hint(found: u32) -> &'static str {
    match found {
        IMAGES_MAGIC => " (is this an images file?)",
        LABELS_MAGIC => " (is this a labels file?)",
        0x1f8b_0000..=0x1f8b_ffff => " (still gzipped: the stream inside is gzip again)",
        _ => " (not an IDX file of unsigned bytes)",
    }
}

/// Splits raw IDX bytes into the header's dimensions and the body, checking the magic and that
/// the body holds exactly what the header promises.
fn split<'a>(
    file: &str,
    bytes: &'a [u8],
    magic: u32,
    record_bytes: u64,
    header_len: usize,
) -> Result<(u32, &'a [u8]), IdxError> {
    // The magic first: a labels file handed over as images is shorter than an images header,
    // and "wrong kind of file" is the more useful message.
    if bytes.len() >= 4 && read_u32(bytes, 0) != magic {
        let found = read_u32(bytes, 0);
        return Err(IdxError::Magic {
            file: file.to_string(),
            expected: magic,
            found,
            hint: magic_hint(found),
        });
    }
    if bytes.len() < header_len {
        return Err(IdxError::ShortHeader {
            file: file.to_string(),
            found: bytes.len(),
            needed: header_len,
        });
    }
    let count = read_u32(bytes, 4);
    if count == 0 {
        return Err(IdxError::Empty {
            file: file.to_string(),
        });
    }
    let body = &bytes[header_len..];
    let expected = u64::from(count) * record_bytes;
    let present = body.len() as u64;
    if present < expected {
        return Err(IdxError::Truncated {
            file: file.to_string(),
            count,
            expected,
            found: present,
        });
    }
    if present > expected {
        return Err(IdxError::TrailingBytes {
            file: file.to_string(),
            count,
            extra: present - expected,
        });
    }
    Ok((count, body))
}

/// Reads an images file (raw or gzipped): returns the image count and `count * 784` pixels.
pub fn read_images(file: &str, bytes: &[u8]) -> Result<(usize, Vec<u8>), IdxError> {
    let bytes = maybe_gunzip(file, bytes)?;
    if bytes.len() >= 16 && read_u32(&bytes, 0) == IMAGES_MAGIC {
        let (rows, cols) = (read_u32(&bytes, 8), read_u32(&bytes, 12));
        if rows as usize != IMAGE_SIDE || cols as usize != IMAGE_SIDE {
            return Err(IdxError::Dimensions {
                file: file.to_string(),
                rows,
                cols,
            });
        }
    }
    let (count, body) = split(file, &bytes, IMAGES_MAGIC, IMAGE_PIXELS as u64, 16)?;
    Ok((count as usize, body.to_vec()))
}

/// Reads a labels file (raw or gzipped) and checks every label is 0-9.
pub fn read_labels(file: &str, bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    let bytes = maybe_gunzip(file, bytes)?;
    let (_, body) = split(file, &bytes, LABELS_MAGIC, 1, 8)?;
    if let Some(index) = body.iter().position(|&label| label > 9) {
        return Err(IdxError::Label {
            file: file.to_string(),
            label: body[index],
            index,
        });
    }
    Ok(body.to_vec())
}

/// Writes images in the IDX format (uncompressed): for tests and for cutting small subsets.
pub fn encode_images(pixels: &[u8]) -> Vec<u8> {
    let count = (pixels.len() / IMAGE_PIXELS) as u32;
    let mut bytes = Vec::with_capacity(16 + pixels.len());
    for word in [IMAGES_MAGIC, count, IMAGE_SIDE as u32, IMAGE_SIDE as u32] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.extend_from_slice(pixels);
    bytes
}

/// Writes labels in the IDX format (uncompressed): for tests and for cutting small subsets.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(8 + labels.len());
    bytes.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    bytes.extend_from_slice(&(labels.len() as u32).to_be_bytes());
    bytes.extend_from_slice(labels);
    bytes
}
